"""The operators' *Call-backs* page: open tasks oldest first, the number as a `tel:` link, the
answer to read out, one button per attempt result (POST → redirect → GET)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import audit
from ..auth.decorators import role_required
from ..enquiries.access import is_supervisor
from ..delivery.service import STATUS_LABELS as DELIVERY_LABELS
from ..delivery.service import undelivered
from ..errors import ServiceError
from ..extensions import db
from ..models import CallbackKind, CallbackStatus
from ..writes import writes
from .service import KIND_LABELS, RESULT_LABELS, STATUS_LABELS, answer_to_read, get_task, open_tasks, record_attempt

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")


@bp.get("/")
@writes
@role_required("operator", "supervisor", admin=False)
def index():
    show = request.args.get("show", "open")
    kind = CallbackKind.MISSED_CALL if request.args.get("kind") == CallbackKind.MISSED_CALL.value else None
    tasks = open_tasks(CallbackStatus.OPEN if show == "open" else None, kind=kind)
    if tasks:
        audit.record_row(current_user, "list", "callback_task", None, ids=[t.id for t in tasks])
        db.session.commit()
    failed = undelivered() if is_supervisor(current_user) else []
    return render_template("callbacks/index.html", tasks=tasks, show=show, kind=kind, answer_to_read=answer_to_read,
                           failed=failed, delivery_label=DELIVERY_LABELS.get,
                           kind_label=KIND_LABELS.get, result_label=RESULT_LABELS.get,
                           status_label_cb=STATUS_LABELS.get, results=list(RESULT_LABELS))


@bp.post("/<int:task_id>/attempts")
@role_required("operator", "supervisor", admin=False)
def attempt(task_id: int):
    try:
        task = get_task(task_id)
        record_attempt(current_user, task, request.form.get("result"), request.form.get("note"))
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("callbacks.index"))
    db.session.commit()
    flash(str(_l("Call-back attempt recorded.")), "success")
    return redirect(url_for("callbacks.index"))
