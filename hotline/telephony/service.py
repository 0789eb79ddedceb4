"""Verbs of telephony (SPEC 8.4, 5.9): take in one CTI event (kept as received, then folded into
its telephony call), find the call an operator is on, link a logged call to its telephony call,
list calls. Events may come late, twice or out of order: each fills only its own columns, and the
earliest moment seen is when the call rang."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit, live
from ..callbacks.service import open_callback
from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    Call, CallDirection, CallbackKind, CallbackStatus, CallbackTask, Caller, CtiEvent, Role, TelephonyCall, User,
    utcnow,
)
from ..phones import InvalidPhone, normalise_phone
from ..timefmt import to_local

EVENTS = ("newCall", "answer", "hangup")
# Zammad's hang-up causes; anything else a phone system sends is kept as it came (truncated).
CAUSES = ("normalClearing", "busy", "cancel", "noAnswer", "congestion", "notFound", "forwarded")
FIELD_MAX = 100
CALL_ID_MAX = 250


@dataclass(frozen=True)
class CtiInput:
    event: str
    call_id: str
    direction: CallDirection
    from_number: str | None
    to_number: str | None
    queue: str | None
    answering_number: str | None
    cause: str | None
    users: tuple[str, ...]


def _one(values, name: str) -> str | None:
    value = values.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_event(values) -> CtiInput:
    """The fields of Zammad's generic CTI push API, from a form (a MultiDict) or a JSON object."""
    getlist = getattr(values, "getlist", None)
    event = _one(values, "event")
    errors = {}
    if event not in EVENTS:
        errors["event"] = str(_l("Expected one of: %(allowed)s.", allowed=", ".join(EVENTS)))
    call_id = _one(values, "callId")
    if not call_id:
        errors["callId"] = str(_l("Required."))
    elif len(call_id) > CALL_ID_MAX:
        errors["callId"] = str(_l("Too long: at most %(max)d characters.", max=CALL_ID_MAX))
    direction = _one(values, "direction") or "in"
    if direction not in ("in", "out"):
        errors["direction"] = str(_l("Expected in or out."))
    if errors:
        raise ValidationFailed(_l("This is not a CTI event the desk understands."), errors)
    if getlist is not None:
        users = getlist("user[]") or getlist("user")
    else:
        raw = values.get("user[]", values.get("user"))
        users = raw if isinstance(raw, list) else [raw] if raw else []
    cut = (lambda v: v[:FIELD_MAX] if v else None)
    return CtiInput(event=event, call_id=call_id, direction=CallDirection(direction),
                    from_number=cut(_one(values, "from")), to_number=cut(_one(values, "to")),
                    queue=cut(_one(values, "queue")), answering_number=cut(_one(values, "answeringNumber")),
                    cause=(_one(values, "cause") or "")[:32] or None,
                    users=tuple(str(u)[:FIELD_MAX] for u in users if u)[:20])


# Built once per dialect: the hot path passes parameters only (statement building was a third
# of an event's time).
_STATEMENTS: dict[str, dict] = {}


def _statements() -> dict:
    dialect = db.session.get_bind().dialect.name
    built = _STATEMENTS.get(dialect)
    if built is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        events, calls = CtiEvent.__table__, TelephonyCall.__table__
        built = _STATEMENTS[dialect] = {
            "event": insert(events).on_conflict_do_nothing(index_elements=["call_id", "event"])
            .returning(events.c.id),
            # Made by whichever event comes first, and locked for this one, in one round trip.
            "call": select(TelephonyCall).from_statement(
                (lambda stmt: stmt.on_conflict_do_update(index_elements=["call_id"],
                                                         set_={"updated_at": stmt.excluded.updated_at}))(
                    insert(calls)).returning(*calls.c)).execution_options(populate_existing=True),
            "cancel": update(CallbackTask).where(
                CallbackTask.telephony_call_id == bindparam("tid"), CallbackTask.status == CallbackStatus.OPEN)
            .values(status=CallbackStatus.CANCELLED, closed_at=bindparam("b_at")),
            "clear": update(CallbackTask).where(
                CallbackTask.kind == CallbackKind.MISSED_CALL, CallbackTask.status == CallbackStatus.OPEN,
                CallbackTask.phone == bindparam("b_phone"),
                or_(CallbackTask.telephony_call_id.is_(None), CallbackTask.telephony_call_id != bindparam("tid")))
            .values(status=CallbackStatus.DONE, closed_at=bindparam("b_at")),
            "by_extension": select(User).where(User.extension == bindparam("n"), User.active.is_(True)).limit(1),
            "by_login": select(User).where(User.login == bindparam("n"), User.active.is_(True)).limit(1),
        }
    return built


def receive_event(integration_id: int | None, data: CtiInput, raw: dict, at: datetime | None = None) -> bool:
    """Keep the event as received and fold it into its telephony call, in the caller's one
    transaction. False when this (callId, event) was already received: nothing changes."""
    at = at or utcnow()
    stored = db.session.execute(_statements()["event"], dict(
        integration_id=integration_id, call_id=data.call_id, event=data.event, payload=raw, received_at=at)).first()
    if stored is None:
        return False
    apply_event(data, at, integration_id)
    return True


def _resident_phone(data: CtiInput) -> str | None:
    number = data.from_number if data.direction is CallDirection.INBOUND else data.to_number
    if not number:
        return None
    try:
        return normalise_phone(number, current_app.config["HOTLINE_PHONE_REGION"])
    except InvalidPhone:
        return None


def operator_for(number: str | None) -> User | None:
    """The user an answeringNumber names: their extension, else login, else e-mail (each an
    index probe but the last, tried only for something with an @)."""
    if not number:
        return None
    statements = _statements()
    for name in ("by_extension", "by_login"):
        user = db.session.execute(statements[name], {"n": number}).scalar_one_or_none()
        if user is not None:
            return user
    if "@" in number:
        return db.session.execute(select(User).where(func.lower(User.email) == number.lower(), User.active.is_(True))
                                  .order_by(User.id).limit(1)).scalar_one_or_none()
    return None


def apply_event(data: CtiInput, at: datetime, integration_id: int | None = None) -> TelephonyCall:
    """Fold one event into its telephony call (made by whichever event comes first)."""
    statements = _statements()
    call = db.session.execute(statements["call"], dict(call_id=data.call_id, integration_id=integration_id,
                                                       direction=data.direction, rang_at=at,
                                                       updated_at=utcnow())).scalar_one()
    if data.event == "newCall" or call.from_number is None:
        call.direction = data.direction
        call.from_number = data.from_number or call.from_number
        call.to_number = data.to_number or call.to_number
        call.queue = data.queue or call.queue
        call.phone = _resident_phone(data) or call.phone
    if at < call.rang_at:
        call.rang_at = at
    call.updated_at = utcnow()
    if data.event == "answer":
        _answered(call, data, at)
    elif data.event == "hangup":
        _hung_up(call, data, at)
    db.session.flush()
    live.publish_channel_after_commit("supervisors", "wallboard", {"at": at.isoformat()})
    return call


def _answered(call: TelephonyCall, data: CtiInput, at: datetime) -> None:
    if call.answered_at is None or at < call.answered_at:
        call.answered_at = min(at, call.ended_at) if call.ended_at else at
    call.answering_number = data.answering_number or call.answering_number
    operator = operator_for(data.answering_number)
    if operator is not None:
        call.answered_by_id = operator.id
    # An answer that comes after its hang-up: the call was not missed after all.
    if call.ended_at is not None:
        db.session.execute(_statements()["cancel"], {"tid": call.id, "b_at": at})
    if call.phone:
        db.session.execute(_statements()["clear"], {"b_phone": call.phone, "tid": call.id, "b_at": at})
    if operator is not None and call.ended_at is None:
        live.publish_after_commit(operator.id, "call", pop_payload(call))


def _hung_up(call: TelephonyCall, data: CtiInput, at: datetime) -> None:
    if call.ended_at is None:
        call.ended_at = at
        call.cause = data.cause
        if call.answered_at and call.answered_at > at:
            call.answered_at = at
    if call.logged_call_id is not None and call.answered_at is not None:
        db.session.execute(update(Call).where(Call.id == call.logged_call_id, Call.ended_at.is_(None))
                           .values(ended_at=call.ended_at))
    if call.answered_by_id is not None:
        live.publish_after_commit(call.answered_by_id, "call", pop_payload(call))
    if call.missed and call.direction is CallDirection.INBOUND and call.phone:
        task = open_callback(CallbackKind.MISSED_CALL, call.phone, caller_id=_caller_id(call.phone),
                             telephony_call_id=call.id,
                             reason=f"{to_local(call.rang_at):%d.%m %H:%M} · {call.cause or ''}".strip(" ·"))
        task.created_at = min(task.created_at, at)  # waiting since the hang-up (a replayed history too)


def _caller_id(phone: str) -> int | None:
    return db.session.execute(select(Caller.id).where(Caller.phone == phone)
                              .order_by(Caller.id.desc()).limit(1)).scalar()


def clear_missed(phone: str, at: datetime, except_call: int | None = None) -> int:
    """A caller who called again (or was called) and was answered: their missed calls are done."""
    stmt = update(CallbackTask).where(
        CallbackTask.kind == CallbackKind.MISSED_CALL, CallbackTask.status == CallbackStatus.OPEN,
        CallbackTask.phone == phone)
    if except_call is not None:
        stmt = stmt.where(or_(CallbackTask.telephony_call_id.is_(None), CallbackTask.telephony_call_id != except_call))
    return db.session.execute(stmt.values(status=CallbackStatus.DONE, closed_at=at)).rowcount


def pop_payload(call: TelephonyCall) -> dict:
    """What the operator's New call page needs for the screen pop."""
    return {"cti_call_id": call.call_id, "phone": call.phone or call.from_number or "",
            "answered_at": call.answered_at.isoformat() if call.answered_at else None,
            "ended_at": call.ended_at.isoformat() if call.ended_at else None}


def active_call(user: User) -> TelephonyCall | None:
    """The call the phone system says `user` is on now (answered, not hung up, not yet logged)."""
    since = utcnow() - timedelta(hours=4)
    return db.session.execute(
        select(TelephonyCall).where(TelephonyCall.answered_by_id == user.id, TelephonyCall.ended_at.is_(None),
                                    TelephonyCall.answered_at.is_not(None), TelephonyCall.answered_at >= since,
                                    TelephonyCall.logged_call_id.is_(None))
        .order_by(TelephonyCall.answered_at.desc()).limit(1)
    ).scalar_one_or_none()


def find_call(cti_call_id: str) -> TelephonyCall | None:
    return db.session.execute(select(TelephonyCall).where(TelephonyCall.call_id == cti_call_id)).scalar_one_or_none()


def times_for_logged_call(cti_call_id: str) -> tuple[datetime, datetime | None]:
    """started_at / ended_at of a call logged for this telephony call: its answer and hang-up."""
    call = find_call(cti_call_id)
    if call is None:
        raise ValidationFailed(_l("The phone system has not reported this call."),
                               {"cti_call_id": str(_l("Unknown call."))})
    return call.answered_at or call.rang_at, call.ended_at


def link_logged_call(cti_call_id: str, call_id: int) -> None:
    db.session.execute(update(TelephonyCall).where(TelephonyCall.call_id == cti_call_id)
                       .values(logged_call_id=call_id))


def list_calls(start: datetime | None, end: datetime | None, missed: bool = False,
               limit: int = 500) -> list[TelephonyCall]:
    stmt = select(TelephonyCall)
    if start is not None:
        stmt = stmt.where(TelephonyCall.rang_at >= start)
    if end is not None:
        stmt = stmt.where(TelephonyCall.rang_at < end)
    if missed:
        stmt = stmt.where(TelephonyCall.answered_at.is_(None), TelephonyCall.ended_at.is_not(None),
                          or_(TelephonyCall.cause.is_(None), TelephonyCall.cause != TelephonyCall.FORWARDED),
                          TelephonyCall.direction == CallDirection.INBOUND)
    return list(db.session.execute(stmt.order_by(TelephonyCall.rang_at.desc()).limit(limit)).scalars())


def set_extension(actor: User | None, user: User, extension: str | None) -> None:
    """Give an operator (or supervisor) their phone extension; empty takes it away."""
    extension = (extension or "").strip() or None
    if extension is not None:
        if len(extension) > 32 or not extension.replace("*", "").replace("#", "").isalnum():
            raise ValidationFailed(_l("An extension is up to 32 digits or letters."),
                                   {"extension": str(_l("An extension is up to 32 digits or letters."))})
        taken = db.session.execute(select(User.login).where(User.extension == extension, User.id != user.id)).scalar()
        if taken:
            message = _l("Extension %(ext)s already belongs to %(login)s.", ext=extension, login=taken)
            raise ValidationFailed(message, {"extension": str(message)})
        if user.role not in (Role.OPERATOR, Role.SUPERVISOR):
            message = _l("Only operators and supervisors answer the phone.")
            raise ValidationFailed(message, {"extension": str(message)})
    if user.extension != extension:
        audit.record(actor, "update", user, extension=[user.extension, extension])
        user.extension = extension


def purge_events(now: datetime | None = None) -> int:
    """Raw events are kept CTI_EVENT_DAYS (30) for debugging an integration, then deleted."""
    days = int(current_app.config.get("CTI_EVENT_DAYS", 30))
    cutoff = (now or utcnow()) - timedelta(days=days)
    return db.session.execute(delete(CtiEvent).where(CtiEvent.received_at < cutoff)).rowcount


def anonymise_calls(cutoff: datetime) -> int:
    """Telephony calls older than the retention period keep their times (the figures) and lose
    the numbers."""
    return db.session.execute(
        update(TelephonyCall).where(TelephonyCall.rang_at < cutoff, or_(
            TelephonyCall.phone.is_not(None), TelephonyCall.from_number.is_not(None),
            TelephonyCall.to_number.is_not(None)))
        .values(phone=None, from_number=None, to_number=None)).rowcount


def erase_phone(phone: str) -> int:
    """A caller erased at their request: their number leaves the telephony calls, their raw events
    and the call-back tasks; the times stay for the figures."""
    call_ids = db.session.execute(select(TelephonyCall.call_id).where(TelephonyCall.phone == phone)).scalars().all()
    for start in range(0, len(call_ids), 500):
        db.session.execute(delete(CtiEvent).where(CtiEvent.call_id.in_(call_ids[start:start + 500])))
    db.session.execute(update(CallbackTask).where(CallbackTask.phone == phone, CallbackTask.status == CallbackStatus.OPEN)
                       .values(status=CallbackStatus.CANCELLED, closed_at=utcnow()))
    db.session.execute(update(CallbackTask).where(CallbackTask.phone == phone).values(phone=""))
    return db.session.execute(update(TelephonyCall).where(TelephonyCall.phone == phone)
                              .values(phone=None, from_number=None, to_number=None)).rowcount
