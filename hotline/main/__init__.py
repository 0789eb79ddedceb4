"""Pages every signed-in person shares: home by role, language switch, error pages."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from . import views  # noqa: E402,F401
