"""Calls: the operator's desk — logging calls and looking up callers."""
from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/calls")

from . import views  # noqa: E402,F401
