"""Residents' personal data: find a caller, export, erase on request, retention (SPEC 10)."""
from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

from . import views  # noqa: E402,F401
