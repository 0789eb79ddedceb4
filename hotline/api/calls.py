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
from .serialise import call_json, caller_json, enquiry_summary, iso


@bp.post("/calls")
@reads_then_writes
@api_role_required("operator", "supervisor", admin=False)
def create_call():
    payload = request.get_json(silent=True)
    if payload is None:
        return json_error(400, _("The request body must be JSON (Content-Type: application/json)."))
    call = record_call(g.api_user, payload)
    db.session.commit()
    return jsonify(call_json(call)), 201


@bp.get("/calls/<int:call_id>")
@writes
@api_role_required("operator", "coordinator", "supervisor", admin=False)
def get_call(call_id: int):
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
def get_callers():
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
            "calls": [{"id": c.id, "started_at": iso(c.started_at), "topic": c.topic.code,
                       "outcome": c.outcome.value,
                       # another operator's call is shown as its summary only (SPEC 10)
                       "question": c.question if visibility.can_see_call(g.api_user, c) else None}
                      for c in calls],
            "open_enquiries": [enquiry_summary(e) for e in enquiries],
        }],
    })
