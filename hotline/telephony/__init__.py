"""Telephony (SPEC 8.4, 5.9): the CTI endpoint phone systems post to, the telephony calls it
records, the screen pop, missed calls (in the call-backs list) and the supervisors' wallboard."""
from flask import Blueprint

bp = Blueprint("telephony", __name__)

from .. import live
from . import views  # noqa: E402,F401


@bp.app_context_processor
def _live_seq():
    return {"live_seq": live.current_seq}
