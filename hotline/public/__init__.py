"""What residents do themselves, without signing in: ask a question, look up its status and
answer (SPEC 5.6); Open311 gives partner sites the same (hotline/open311/)."""
from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/public")

from . import faq, views  # noqa: E402,F401
