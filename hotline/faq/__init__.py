"""The FAQ knowledge base: entries, search and recorded uses."""
from flask import Blueprint

bp = Blueprint("faq", __name__, url_prefix="/faq")

from . import views  # noqa: E402,F401
