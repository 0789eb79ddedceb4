"""Enquiries through the API (SPEC 8.2): list, read, answer, reassign — role-checked like the pages."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..request_guard import parse_id
from ..enquiries.access import can_view, visible
from ..enquiries.references import parse_reference
from ..enquiries.workflow import answer_enquiry, hand_over
from ..extensions import db
from ..models import Enquiry, EnquiryStatus, Topic, User
from ..sla.watch import sla_state
from ..writes import writes
from . import bp
from .auth import api_role_required
from .errors import json_error
from .schemas import AnswerIn, Enquiries, EnquiriesQuery, EnquiryDetail, ReassignIn
from .serialise import enquiry_json
from .spec import responses, validate

LIST_LIMIT = 500


@bp.get("/enquiries")
@writes
@api_role_required("operator", "coordinator", "supervisor", admin=False)
@validate(query=EnquiriesQuery, resp=responses(200, Enquiries, 401, 403, 422))
def list_enquiries():
    """Enquiries the token may see, by due time (an operator: those they logged; a coordinator: their
    topics and cities)"""
    stmt = select(Enquiry).options(selectinload(Enquiry.topic), selectinload(Enquiry.assignee),
                                   selectinload(Enquiry.city))
    status = request.args.get("status")
    if status:
        try:
            stmt = stmt.where(Enquiry.status.in_([EnquiryStatus(s) for s in status.split(",")]))
        except ValueError:
            allowed = ", ".join(s.value for s in EnquiryStatus)
            return json_error(422, _("Unknown status; expected one of: %(allowed)s.", allowed=allowed),
                              fields={"status": status[:40]})
    assignee = request.args.get("assignee")
    if assignee == "me":
        stmt = stmt.where(Enquiry.assignee_id == g.api_user.id)
    elif assignee:
        stmt = stmt.join(User, User.id == Enquiry.assignee_id).where(User.login == assignee)
    topic = request.args.get("topic")
    if topic:
        stmt = stmt.join(Topic, Topic.id == Enquiry.topic_id).where(Topic.code == topic)
    stmt = visible(stmt, g.api_user).order_by(Enquiry.due_at, Enquiry.id).limit(LIST_LIMIT)
    enquiries = db.session.execute(stmt).scalars().all()
    if audit.record_list(g.api_user, "enquiry", [e.id for e in enquiries], via="api"):
        db.session.commit()
    return jsonify({"enquiries": [enquiry_json(e, sla_state(e).value) for e in enquiries]})


def _load(key: str):
    if key.isascii() and key.isdigit():
        enquiry = db.session.get(Enquiry, parse_id(key)) if parse_id(key) else None
    else:
        reference = parse_reference(key)
        enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == reference)).scalar_one_or_none() \
            if reference else None
    if enquiry is None or not can_view(g.api_user, enquiry):
        # 404 either way: an enquiry one may not read is not confirmed to exist.
        return None
    return enquiry


@bp.get("/enquiries/<key>")
@writes
@api_role_required("operator", "coordinator", "supervisor", admin=False)
@validate(resp=responses(200, EnquiryDetail, 401, 403, 404))
def get_enquiry(key: str):
    """One enquiry with its trail; {id} is its number or its reference (ЗЛ-… or ZL-…)"""
    enquiry = _load(key)
    if enquiry is None:
        return json_error(404, _("No enquiry %(key)s.", key=key[:40]))
    audit.record(g.api_user, "read", enquiry, via="api")
    db.session.commit()
    return jsonify(enquiry_json(enquiry, sla_state(enquiry).value, trail=True))


def _act(key: str, verb):
    """Load an enquiry one may see, read a JSON object, run `verb(enquiry, payload)`, commit."""
    enquiry = _load(key)
    if enquiry is None:
        return json_error(404, _("No enquiry %(key)s.", key=key[:40]))
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return json_error(400, _("The request body must be a JSON object."))
    verb(enquiry, payload)
    db.session.commit()
    return jsonify(enquiry_json(enquiry, sla_state(enquiry).value, trail=True))


@bp.post("/enquiries/<key>/answer")
@api_role_required("coordinator", "supervisor", admin=False)
@validate(json=AnswerIn, resp=responses(200, EnquiryDetail, 401, 403, 404, 409, 422))
def answer(key: str):
    """Answer (the assignee or a supervisor)"""
    return _act(key, lambda e, body: answer_enquiry(g.api_user, e, body.get("text"), body.get("faq_ids")))


@bp.post("/enquiries/<key>/reassign")
@api_role_required("coordinator", "supervisor", admin=False)
@validate(json=ReassignIn, resp=responses(200, EnquiryDetail, 401, 403, 404, 409, 422))
def reassign(key: str):
    """Hand over to another coordinator (the assignee or a supervisor)"""
    return _act(key, lambda e, body: hand_over(g.api_user, e, body.get("to"), body.get("reason")))
