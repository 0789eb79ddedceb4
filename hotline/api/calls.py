"""Calls and callers through the API."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from .. import audit, visibility
from ..writes import reads_then_writes, writes
from ..calls.service import caller_history, find_caller_by_phone, record_call
from ..extensions import db
from ..models import Call
from ..phones import InvalidPhone, normalise_phone
from . import bp
from .auth import api_role_required
from .errors import json_error
from .schemas import Call as CallOut, Callers, CallersQuery
from .serialise import call_json, caller_json, enquiry_summary, iso
from .spec import responses, validate
from ..calls.schema import CallIn, parse_call


@bp.post("/calls")
@reads_then_writes
@api_role_required("operator", "supervisor", admin=False)
@validate(json=CallIn, resp=responses(201, CallOut, 401, 403, 413, 422))
def create_call():
    """Log a call; a routed call creates an enquiry (`new`) and queues its routing"""
    call = record_call(g.api_user, {}, parse_call(request.context.json))
    db.session.commit()
    return jsonify(call_json(call)), 201


@bp.get("/calls/<int:call_id>")
@writes
@api_role_required("operator", "coordinator", "supervisor", admin=False)
@validate(resp=responses(200, CallOut, 401, 403, 404))
def get_call(call_id: int):
    """One call (an operator: their own; a coordinator: the calls of their enquiries)"""
    call = db.session.get(Call, call_id)
    if not visibility.can_see_call(g.api_user, call):
        # 404 either way: a call one may not read is not confirmed to exist.
        return json_error(404, _("No call with number %(id)s.", id=call_id))
    audit.record(g.api_user, "read", call, via="api")
    db.session.commit()
    return jsonify(call_json(call))


@bp.get("/callers")
@writes
@api_role_required("operator", "coordinator", "supervisor", admin=False)
@validate(query=CallersQuery, resp=responses(200, Callers, 401, 403, 422))
def get_callers():
    """A caller's history by phone: other operators' calls as summaries"""
    raw = request.args.get("phone", "")
    try:
        phone = normalise_phone(raw, current_app.config["HOTLINE_PHONE_REGION"])
    except InvalidPhone:
        return json_error(422, _("Not a phone number: %(phone)s.", phone=raw[:40]),
                          fields={"phone": _("Not a phone number.")})
    caller = find_caller_by_phone(phone)
    if not visibility.can_see_caller(g.api_user, caller):
        return jsonify({"phone": phone, "callers": []})
    calls, enquiries = caller_history(caller, g.api_user)
    audit.record(g.api_user, "read", caller, via="api")
    db.session.commit()
    return jsonify({
        "phone": phone,
        "callers": [{
            **caller_json(caller),
            "calls": [{"id": c.id, "started_at": iso(c.started_at), "topic": c.topic.code if c.topic else None,
                       "outcome": c.outcome.value,
                       # another operator's call is shown as its summary only (SPEC 10)
                       "question": c.question if visibility.can_see_call(g.api_user, c) else None}
                      for c in calls],
            "open_enquiries": [enquiry_summary(e) for e in enquiries],
        }],
    })
