"""The search results page (the top bar's box submits here) and the caller page."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, visibility
from ..auth.decorators import role_required
from ..extensions import db
from ..models import Attachment, Call, Caller, Enquiry
from ..writes import writes
from . import bp
from .analysis import QUERY_MAX
from .service import parse_kind, search



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
    calls = db.session.execute(
        select(Call).options(selectinload(Call.topic), selectinload(Call.enquiry), selectinload(Call.operator))
        .where(Call.caller_id == caller.id, visibility.summary_condition(current_user, Call))
        .order_by(Call.started_at.desc())).scalars().all()
    enquiries = db.session.execute(
        select(Enquiry).options(selectinload(Enquiry.topic), selectinload(Enquiry.assignee))
        .where(Enquiry.caller_id == caller.id, visibility.summary_condition(current_user, Enquiry))
        .order_by(Enquiry.created_at.desc())).scalars().all()
    readable = {e.id for e in enquiries if visibility.can_see_enquiry(current_user, e)}
    attachments = db.session.execute(
        select(Attachment).where(Attachment.enquiry_id.in_(readable)).order_by(Attachment.id)
    ).scalars().all() if readable else []
    audit.record(current_user, "read", caller, via="caller-page")
    audit.record_list(current_user, Call.__tablename__, [c.id for c in calls if visibility.can_see_call(current_user, c)],
                      via="caller-page")
    audit.record_list(current_user, Enquiry.__tablename__, sorted(readable), via="caller-page")
    db.session.commit()
    return render_template("search/caller.html", caller=caller, calls=calls, enquiries=enquiries,
                           readable=readable, attachments=attachments,
                           full_phone=visibility.full_phone(current_user, detail=True))
