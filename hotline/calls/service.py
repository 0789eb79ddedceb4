"""Verbs of the call desk: log a call, find a caller and their history."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..enquiries.service import create_enquiry
from ..extensions import db
from ..models import Call, Caller, CallOutcome, Enquiry, EnquiryStatus, FaqUse, User, utcnow
from .schema import CallerInput, parse_call

HISTORY_LIMIT = 10


def log_call(actor: User, payload: dict) -> Call:
    """Validate and record one call; a routed call also gets a `new` enquiry (routed after commit)."""
    data = parse_call(payload)
    now = utcnow()
    started_at = data.started_at or now
    ended_at = data.ended_at or (now if data.started_at is None or data.started_at <= now else None)
    caller = find_or_create_caller(data.caller)
    call = Call(
        channel=data.channel,
        caller=caller,
        operator_id=actor.id,
        topic_id=data.topic.id,
        city_id=data.city.id if data.city else None,
        question=data.question,
        answer=data.answer,
        outcome=data.outcome,
        started_at=started_at,
        ended_at=ended_at,
        created_at=now,
    )
    db.session.add(call)
    db.session.flush()
    for entry in data.faq_entries:
        db.session.add(FaqUse(entry_id=entry.id, call_id=call.id, user_id=actor.id, used_at=now))
        entry.use_count = (entry.use_count or 0) + 1
        entry.last_used_at = now
    if data.outcome is CallOutcome.ROUTED:
        create_enquiry(actor, call, created_at=now)
    audit.record(actor, "create", call, outcome=data.outcome.value)
    return call


def find_or_create_caller(data: CallerInput) -> Caller | None:
    """The caller with this phone (or e-mail), updated with what the operator typed; None if anonymous."""
    caller = None
    if data.phone:
        caller = find_caller_by_phone(data.phone)
    elif data.email:
        caller = db.session.execute(
            select(Caller).where(Caller.email == data.email).order_by(Caller.id.desc()).limit(1)
        ).scalar_one_or_none()
    if caller is None:
        if not (data.phone or data.email or data.name):
            return None
        caller = Caller(phone=data.phone, created_at=utcnow())
        db.session.add(caller)
    if data.name:
        caller.name = data.name
    if data.email:
        caller.email = data.email
    caller.language = data.language
    if data.consent and caller.consent_at is None:
        caller.consent_at = utcnow()
    return caller


def find_caller_by_phone(phone_e164: str) -> Caller | None:
    return db.session.execute(
        select(Caller).where(Caller.phone == phone_e164).order_by(Caller.id.desc()).limit(1)
    ).scalar_one_or_none()


def caller_history(caller: Caller, limit: int = HISTORY_LIMIT) -> tuple[list[Call], list[Enquiry]]:
    """The caller's latest calls and their open enquiries."""
    calls = db.session.execute(
        select(Call).where(Call.caller_id == caller.id).order_by(Call.started_at.desc()).limit(limit)
    ).scalars().all()
    enquiries = db.session.execute(
        select(Enquiry)
        .where(Enquiry.caller_id == caller.id, Enquiry.status.in_(EnquiryStatus.open_values()))
        .order_by(Enquiry.created_at.desc())
    ).scalars().all()
    return list(calls), list(enquiries)
