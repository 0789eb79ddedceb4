"""The search results page (the top bar's box submits here) and the caller page."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from .. import visibility
from ..auth.decorators import role_required
from ..extensions import db
from ..models import Caller
from ..writes import writes
from . import bp
from .analysis import QUERY_MAX
from .service import caller_record, parse_kind, search


@bp.get("/search")
@writes
@role_required("operator", "coordinator", "supervisor", admin=False)
def results():
    text = (request.args.get("q") or "").strip()[:QUERY_MAX]
    kind = parse_kind(request.args.get("kind"))
    found = search(current_user, text, kind) if text else None
    db.session.commit()
    return render_template("search/results.html", q=text, kind=kind, found=found)


@bp.get("/callers/<int:caller_id>")
@writes
@role_required("operator", "coordinator", "supervisor", admin=False)
def caller_page(caller_id: int):
    """Every call, enquiry and attachment of one resident that the viewer may see (SPEC 10: the
    caller-card summary of the calls and enquiries they may not read in full)."""
    caller = db.session.get(Caller, caller_id)
    if caller is None or not visibility.can_see_caller(current_user, caller):
        abort(404)
    record = caller_record(current_user, caller)
    db.session.commit()
    return render_template("search/caller.html", caller=caller, calls=record.calls, enquiries=record.enquiries,
                           readable=record.readable, attachments=record.attachments,
                           full_phone=visibility.full_phone(current_user, detail=True))
