"""The resident's feedback on an answer (SPEC 3, 5.7): signed single-use links in the answer's
mail open a small public page; *not helpful* with a comment reopens the enquiry."""
from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

from . import views  # noqa: E402,F401
