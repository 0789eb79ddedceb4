"""The FAQ knowledge base: entries, search and recorded uses."""
from flask import Blueprint

bp = Blueprint("faq", __name__, url_prefix="/faq")

from . import indexing, views  # noqa: E402,F401
from .formatting import render_answer  # noqa: E402

bp.add_app_template_filter(render_answer, "faq_answer")
