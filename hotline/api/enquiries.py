"""Enquiries through the API (SPEC 8.2): list, read, answer, reassign — role-checked like the pages."""
from __future__ import annotations

from dataclasses import replace

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..enquiries.access import can_view
from ..enquiries.appeals import extend_legal_deadline
from ..enquiries.lists import ListError, page, parse_filters
from ..enquiries.references import parse_reference
from ..enquiries.workflow import answer_enquiry, hand_over
from ..extensions import db
from ..models import Enquiry, EnquiryStatus, Topic, User
from ..request_guard import parse_id
from ..sla.watch import sla_state
from ..writes import writes
from . import bp
from .auth import api_role_required
from .errors import json_error
from .schemas import AnswerIn, Enquiries, EnquiriesQuery, EnquiryDetail, ExtendIn, ReassignIn
from .serialise import enquiry_json
from .spec import responses, validate

LIST_LIMIT = 500


@bp.get("/enquiries")
@writes
@api_role_required("operator", "coordinator", "supervisor", admin=False)
@validate(query=EnquiriesQuery, resp=responses(200, Enquiries, 401, 403, 422))
def list_enquiries():
    """SPEC 8.2: `status` (a view — open, answered, closed, cancelled, all — or status values,
    comma-separated), `assignee=me|LOGIN`, `topic`, `city`, `channel`, `formal_appeal=1`,
    `sla=ok|warning|breached`, `from`/`to` (creation, Perm dates, `to` exclusive), `q`, `sort`,
    `dir`, `page` (500 a page). Without `sort`: by due time, soonest first."""
    try:
        filters = parse_filters(request.args)
    except ListError as exc:
        return json_error(422, _("Check the filters."), fields=exc.fields)
    if "sort" not in request.args:
        filters = replace(filters, sort="due", descending=request.args.get("dir") == "desc")
    enquiries, has_next = page(g.api_user, filters, size=LIST_LIMIT)
    if audit.record_list(g.api_user, "enquiry", [e.id for e in enquiries], via="api"):
        db.session.commit()
    return jsonify({"enquiries": [enquiry_json(e, sla_state(e).value) for e in enquiries],
                    "page": filters.page, "has_next": has_next})


def enquiry_by_key(key: str):
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
    enquiry = enquiry_by_key(key)
    if enquiry is None:
        return json_error(404, _("No enquiry %(key)s.", key=key[:40]))
    audit.record(g.api_user, "read", enquiry, via="api")
    db.session.commit()
    return jsonify(enquiry_json(enquiry, sla_state(enquiry).value, trail=True))


def _act(key: str, verb):
    """Load an enquiry one may see, read a JSON object, run `verb(enquiry, payload)`, commit."""
    enquiry = enquiry_by_key(key)
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


@bp.post("/enquiries/<key>/extend")
@api_role_required("supervisor", admin=False)
@validate(json=ExtendIn, resp=responses(200, EnquiryDetail, 401, 403, 404, 409, 422))
def extend(key: str):
    """A formal appeal's one extension (SPEC 8.2): `{days ≤ 30, reason}`."""
    return _act(key, lambda e, body: extend_legal_deadline(g.api_user, e, body.get("days"), body.get("reason")))
