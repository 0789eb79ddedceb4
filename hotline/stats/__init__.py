"""Supervisor statistics (SPEC 7): one module computes every figure."""
from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")

from . import views  # noqa: E402,F401
