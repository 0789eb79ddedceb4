"""Telephony through the API (SPEC 8.2): calls as the phone system saw them (missed ones with
`missed=1`), and the call the phone system says the operator is on now, with the caller card."""
from __future__ import annotations

from flask import g, jsonify, request

from .. import audit
from ..calls.service import caller_history, find_caller_by_phone
from ..extensions import db
from ..models import Role, TelephonyCall
from ..phones import mask_phone
from ..stats.period import parse_period
from ..telephony.service import active_call, list_calls
from . import bp
from .auth import api_role_required
from .schemas import TelephonyActive, TelephonyCalls, TelephonyQuery
from .serialise import caller_json, enquiry_summary, iso
from .spec import responses, validate


def telephony_call_json(call: TelephonyCall, masked: bool = False) -> dict:
    phone = call.phone
    return {
        "call_id": call.call_id, "direction": call.direction.value,
        "phone": mask_phone(phone) if masked and phone else phone,
        "from": None if masked else call.from_number, "to": None if masked else call.to_number,
        "queue": call.queue, "rang_at": iso(call.rang_at), "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at), "cause": call.cause, "missed": call.missed,
        "answered_by": call.answered_by.login if call.answered_by else None,
        "wait_seconds": call.wait_seconds, "talk_seconds": call.talk_seconds,
        "logged_call_id": call.logged_call_id,
    }


@bp.get("/telephony/calls")
@api_role_required("operator", "supervisor", admin=False)
@validate(query=TelephonyQuery, resp=responses(200, TelephonyCalls, 401, 403, 422))
def telephony_calls():
    """Calls as the phone system reported them (supervisors see numbers masked)"""
    period = parse_period(request.args, default_preset="7d")
    start, end = period.bounds()
    calls = list_calls(start, end, missed=request.args.get("missed") in ("1", "true"))
    masked = g.api_user.role is Role.SUPERVISOR  # SPEC 10: supervisors see numbers masked in lists
    if calls:
        audit.record_row(g.api_user, "list", TelephonyCall.__tablename__, None, ids=[c.id for c in calls], via="api")
        db.session.commit()
    return jsonify({"period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
                    "calls": [telephony_call_json(c, masked) for c in calls]})


@bp.get("/telephony/active")
@api_role_required("operator", admin=False)
@validate(resp=responses(200, TelephonyActive, 401, 403))
def telephony_active():
    """The call the phone system says this operator is on now, with the caller card"""
    call = active_call(g.api_user)
    if call is None:
        return jsonify({"call": None, "caller": None})
    body = {"call": telephony_call_json(call), "caller": None}
    if call.phone:
        caller = find_caller_by_phone(call.phone)
        if caller is not None:
            calls, enquiries = caller_history(caller, g.api_user)
            body["caller"] = {**caller_json(caller),
                              "calls": [{"id": c.id, "started_at": iso(c.started_at), "outcome": c.outcome.value,
                                         "topic": c.topic.code if c.topic else None} for c in calls],
                              "open_enquiries": [enquiry_summary(e) for e in enquiries]}
            audit.record(g.api_user, "read", caller, via="screen-pop")
            db.session.commit()
    return jsonify(body)
