"""Notifications: in-app (the bell) always, e-mail through a job when SMTP is configured."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import views  # noqa: E402,F401
