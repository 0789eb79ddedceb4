"""Call-back tasks through the API (SPEC 8.2): the list and one attempt's result."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from ..callbacks.service import answer_to_read, get_task, open_tasks, record_attempt
from ..extensions import db
from ..models import CallbackKind, CallbackStatus, CallbackTask
from . import bp
from .auth import api_role_required
from .errors import json_error
from .serialise import iso


def callback_json(task: CallbackTask) -> dict:
    return {
        "id": task.id, "kind": task.kind.value, "status": task.status.value, "phone": task.phone,
        "caller": task.caller.name if task.caller else None,
        "enquiry": task.enquiry.reference if task.enquiry else None,
        "telephony_call_id": task.telephony_call_id, "reason": task.reason,
        "answer": answer_to_read(task), "created_at": iso(task.created_at), "closed_at": iso(task.closed_at),
        "attempts": [{"at": iso(a.at), "result": a.result.value, "note": a.note,
                      "operator": a.operator.login if a.operator else None} for a in task.attempts],
    }


@bp.get("/callbacks")
@api_role_required("operator", "supervisor", admin=False)
def list_callbacks():
    status = request.args.get("status", "open")
    if status == "all":
        wanted = None
    else:
        try:
            wanted = CallbackStatus(status)
        except ValueError:
            return json_error(422, _("Unknown status; expected one of: %(allowed)s.",
                                     allowed="open, done, unreachable, cancelled, all"), fields={"status": status[:40]})
    kind = request.args.get("kind")
    if kind not in (None, "", "answer", "missed-call"):
        return json_error(422, _("Unknown kind; expected answer or missed-call."), fields={"kind": kind[:40]})
    tasks = open_tasks(wanted, kind=CallbackKind(kind) if kind else None)
    return jsonify({"callbacks": [callback_json(t) for t in tasks]})


@bp.post("/callbacks/<int:task_id>/attempts")
@api_role_required("operator", "supervisor", admin=False)
def callback_attempt(task_id: int):
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return json_error(400, _("The request body must be a JSON object."))
    task = get_task(task_id)
    record_attempt(g.api_user, task, payload.get("result"), payload.get("note"))
    db.session.commit()
    return jsonify(callback_json(task)), 201
