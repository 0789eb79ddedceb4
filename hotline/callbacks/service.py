"""Verbs of call-backs: open a task (an answer to read out, or a missed call — telephony calls
`open_callback(CallbackKind.MISSED_CALL, phone, telephony_call_id=…)`), record an attempt, list
what is open. At most three attempts; a reached answer call-back delivers the answer."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..enquiries.service import record_first_response
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    CallbackAttempt, CallbackKind, CallbackResult, CallbackStatus, CallbackTask, Enquiry, EnquiryEvent, EnquiryStatus,
    Role, User, utcnow,
)

NOTE_MAX = 1000
RESULT_LABELS = {
    CallbackResult.REACHED: _l("reached"),
    CallbackResult.NO_ANSWER: _l("no answer"),
    CallbackResult.WRONG_NUMBER: _l("wrong number"),
}
KIND_LABELS = {CallbackKind.ANSWER: _l("read out the answer"), CallbackKind.MISSED_CALL: _l("missed call")}
STATUS_LABELS = {
    CallbackStatus.OPEN: _l("open"),
    CallbackStatus.DONE: _l("done"),
    CallbackStatus.UNREACHABLE: _l("unreachable"),
    CallbackStatus.CANCELLED: _l("cancelled"),
}
WORKERS = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)


def open_callback(kind: CallbackKind, phone: str, *, caller_id: int | None = None, enquiry_id: int | None = None,
                  delivery_id: int | None = None, telephony_call_id: int | None = None,
                  reason: str | None = None) -> CallbackTask:
    """One task in the list; an open one for the same delivery (or telephony call) is reused."""
    existing = None
    if delivery_id is not None or telephony_call_id is not None:
        stmt = select(CallbackTask).where(CallbackTask.status == CallbackStatus.OPEN)
        stmt = stmt.where(CallbackTask.delivery_id == delivery_id) if delivery_id is not None \
            else stmt.where(CallbackTask.telephony_call_id == telephony_call_id)
        existing = db.session.execute(stmt.limit(1)).scalar_one_or_none()
    if existing is not None:
        return existing
    task = CallbackTask(kind=kind, status=CallbackStatus.OPEN, phone=phone, caller_id=caller_id,
                        enquiry_id=enquiry_id, delivery_id=delivery_id, telephony_call_id=telephony_call_id,
                        reason=reason, attempts_count=0, created_at=utcnow())
    db.session.add(task)
    db.session.flush()
    if enquiry_id is not None:
        db.session.add(EnquiryEvent(enquiry_id=enquiry_id, kind="callback-opened", detail={"task": task.id},
                                    created_at=utcnow()))
    return task


def open_tasks(status: CallbackStatus | None = CallbackStatus.OPEN, limit: int = 500,
               kind: CallbackKind | None = None) -> list[CallbackTask]:
    """Oldest first, as operators work them; `kind` narrows to answers or missed calls."""
    stmt = select(CallbackTask).options(selectinload(CallbackTask.attempts), selectinload(CallbackTask.caller),
                                        selectinload(CallbackTask.enquiry))
    if kind is not None:
        stmt = stmt.where(CallbackTask.kind == kind)
    if status is not None:
        stmt = stmt.where(CallbackTask.status == status)
    order = (CallbackTask.created_at, CallbackTask.id) if status is CallbackStatus.OPEN \
        else (CallbackTask.created_at.desc(), CallbackTask.id.desc())
    return list(db.session.execute(stmt.order_by(*order).limit(limit)).scalars())


def get_task(task_id: int) -> CallbackTask:
    task = db.session.get(CallbackTask, task_id)
    if task is None:
        raise NotFound(_l("No call-back task with number %(id)s.", id=task_id))
    return task


def record_attempt(actor: User, task: CallbackTask, result, note=None) -> CallbackAttempt:
    """One call: `reached` closes the task (and delivers its answer); `wrong-number` and a third
    `no-answer` make it unreachable."""
    if actor.role not in WORKERS:
        raise Forbidden(_l("Only operators and supervisors work call-backs."))
    try:
        result = CallbackResult(result)
    except ValueError:
        error = _l("Unknown result; expected reached, no-answer or wrong-number.")
        raise ValidationFailed(error, {"result": str(error)})
    if note is not None and not isinstance(note, str):
        raise ValidationFailed(_l("Must be text."), {"note": str(_l("Must be text."))})
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        error = _l("Too long: at most %(max)d characters.", max=NOTE_MAX)
        raise ValidationFailed(error, {"note": str(error)})
    # A row lock, so two operators clicking at once make two attempts in turn, never a fourth.
    db.session.execute(select(CallbackTask.id).where(CallbackTask.id == task.id).with_for_update())
    db.session.refresh(task)
    if task.status is not CallbackStatus.OPEN:
        raise Conflict(_l("This call-back is already %(status)s.", status=STATUS_LABELS[task.status]))
    now = utcnow()
    attempt = CallbackAttempt(task_id=task.id, operator_id=actor.id, result=result, note=note, at=now)
    db.session.add(attempt)
    task.attempts_count += 1
    enquiry = db.session.get(Enquiry, task.enquiry_id) if task.enquiry_id else None
    if enquiry is not None:
        db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id, kind="callback-attempt",
                                    detail={"result": result.value, "reason": note} if note else
                                    {"result": result.value}, created_at=now))
    if result is CallbackResult.REACHED:
        task.status, task.closed_at = CallbackStatus.DONE, now
        if enquiry is not None:  # SPEC 7: a call-back that reached counts as first response
            record_first_response(enquiry, now)
        if task.delivery_id:
            from ..delivery.service import called_back  # cycle: delivery.service opens call-backs

            called_back(task.delivery_id, actor)
    elif result is CallbackResult.WRONG_NUMBER or task.attempts_count >= CallbackTask.MAX_ATTEMPTS:
        task.status, task.closed_at = CallbackStatus.UNREACHABLE, now
        if task.delivery_id:
            from ..delivery.service import unreachable  # cycle: delivery.service opens call-backs

            unreachable(task.delivery_id, actor, result.value)
    db.session.flush()
    audit.record_row(actor, "callback_attempt", CallbackTask.__tablename__, task.id, result=result.value)
    return attempt


def answer_to_read(task: CallbackTask) -> str | None:
    enquiry = task.enquiry
    if enquiry is None or enquiry.status not in (EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED):
        return None
    return enquiry.answer
