"""Verbs of the call desk: log a call, find a caller and their history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import joinedload

from .. import audit, visibility
from ..enquiries.service import NewEnquiry, create_enquiry, plan_enquiry
from ..extensions import db
from ..faq.service import record_use
from ..models import Call, CallChannel, Caller, CallOutcome, Enquiry, EnquiryStatus, User, utcnow
from ..reference import Ref
from ..search.index import changed
from ..telephony.service import link_logged_call
from ..writes import begin_writes
from .schema import CallerInput, CallInput, parse_call

HISTORY_LIMIT = 10
_calls, _callers = Call.__table__, Caller.__table__
# Built once: the hot path passes only parameters (no statement construction per call).
INSERT_CALL = insert(_calls).returning(_calls.c.id)
INSERT_CALLER = insert(_callers).returning(_callers.c.id)
_CALLER_COLUMNS = (_callers.c.id, _callers.c.name, _callers.c.phone, _callers.c.email, _callers.c.language,
                   _callers.c.consent_at)
# FOR UPDATE (PostgreSQL; SQLite's write lock already serialises): a call for a caller being
# erased waits for the erasure and then finds no caller with that phone, so makes a new one.
CALLER_BY_PHONE = (select(*_CALLER_COLUMNS)
                   .where(_callers.c.phone == bindparam("value")).order_by(_callers.c.id.desc()).limit(1)
                   .with_for_update())
CALLER_BY_EMAIL = (select(*_CALLER_COLUMNS)
                   .where(_callers.c.email == bindparam("value")).order_by(_callers.c.id.desc()).limit(1)
                   .with_for_update())
CALL_WITH_ENQUIRY = (select(Call).options(joinedload(Call.enquiry), joinedload(Call.caller),
                                          joinedload(Call.topic), joinedload(Call.city))
                     .where(Call.id == bindparam("call_id")))


@dataclass(frozen=True)
class SavedCaller:
    id: int
    name: str | None
    phone: str | None
    email: str | None
    language: str
    consent_at: datetime | None


@dataclass(frozen=True)
class SavedCall:
    """A call as `record_call` wrote it, shaped like `Call` for `call_json`: the API answers
    from it instead of reading the rows back (which took an eighth of a call's time)."""

    id: int
    channel: CallChannel
    caller: SavedCaller | None
    operator: User | None
    topic: Ref | None
    city: Ref | None
    question: str
    answer: str | None
    outcome: CallOutcome
    started_at: datetime
    ended_at: datetime | None
    enquiry: NewEnquiry | None

    handle_seconds = Call.handle_seconds


def log_call(actor: User, payload: dict) -> Call:
    """Validate and record one call (see `record_call`); returns it with its enquiry loaded."""
    return load_call(record_call(actor, payload).id)


def load_call(call_id: int) -> Call:
    return db.session.execute(CALL_WITH_ENQUIRY, {"call_id": call_id}).unique().scalar_one()


def record_call(actor: User | None, payload: dict, data: CallInput | None = None) -> SavedCall:
    """Validate and record one call; a routed call also gets a `new` enquiry (routed after commit).
    `actor` is None for what residents submit themselves (the public form, Open311); `data` is
    the payload already parsed, when the caller had to check it first.

    Everything that only reads (validation, reference data, due times) happens before
    `begin_writes()`; the writes are plain INSERTs so that SQLite's write lock is held briefly."""
    data = data or parse_call(payload)
    now = utcnow()
    routed = data.outcome is CallOutcome.ROUTED
    plan = plan_enquiry(data.topic.id, now) if routed else None
    begin_writes()
    caller = save_caller(data.caller, overwrite=actor is not None, actor=actor)
    caller_id = caller.id if caller else None
    started_at = data.started_at or now
    # No end given: it ended now, if that makes a call of a sane length; else its length is unknown.
    longest = timedelta(minutes=current_app.config["CALL_MAX_HANDLE_MINUTES"])
    ended_at = data.ended_at or (now if data.started_at is None or now - longest <= data.started_at <= now else None)
    if data.cti_call_id:
        ended_at = data.ended_at  # still talking: the hang-up event fills it in
    call_id = db.session.execute(INSERT_CALL, dict(
        channel=data.channel, caller_id=caller_id, operator_id=actor.id if actor else None,
        topic_id=data.topic.id if data.topic else None,
        city_id=data.city.id if data.city else None, question=data.question, answer=data.answer,
        outcome=data.outcome, started_at=started_at, ended_at=ended_at, created_at=now,
    )).scalar_one()
    enquiry = None
    if routed:
        enquiry = create_enquiry(actor, plan, call_id=call_id, caller_id=caller_id, topic_id=data.topic.id,
                                 city_id=data.city.id if data.city else None, question=data.question,
                                 new_call_started_at=started_at, reply_channel=data.reply_channel,
                                 # marked by the operator at intake; what residents send is not
                                 formal_appeal=data.formal_appeal and actor is not None)
    if data.cti_call_id:
        link_logged_call(data.cti_call_id, call_id)
    audit.record_row(actor, "create", Call.__tablename__, call_id, outcome=data.outcome.value)
    changed("call", [call_id])
    record_use(actor, data.faq_entries, call_id=call_id, at=now)
    return SavedCall(call_id, data.channel, caller, actor, data.topic, data.city, data.question, data.answer,
                     data.outcome, started_at, ended_at, enquiry)


def save_caller(data: CallerInput, overwrite: bool = True, actor: User | None = None) -> SavedCaller | None:
    """The caller with this phone (or e-mail), updated with what the operator typed; a new caller
    if none matches; None for an anonymous call. Without `overwrite` (what a resident submits
    unchecked, on the web or through Open311) only empty fields are filled: nobody can rename
    someone else's card by typing their phone number."""
    if not (data.phone or data.email or data.name):
        return None
    row = None
    if data.phone:
        row = db.session.execute(CALLER_BY_PHONE, {"value": data.phone}).first()
    elif data.email:
        row = db.session.execute(CALLER_BY_EMAIL, {"value": data.email}).first()
    now = utcnow()
    if row is None:
        consent_at = now if data.consent else None
        caller_id = db.session.execute(INSERT_CALLER, dict(
            name=data.name, phone=data.phone, email=data.email, language=data.language,
            consent_at=consent_at, created_at=now, anonymised_at=None,
        )).scalar_one()
        audit.record_row(actor, "create", Caller.__tablename__, caller_id)
        changed("caller", [caller_id])
        return SavedCaller(caller_id, data.name, data.phone, data.email, data.language, consent_at)
    changes = {}
    if data.name and data.name != row.name and (overwrite or not row.name):
        changes["name"] = data.name
    if data.email and data.email != row.email and (overwrite or not row.email):
        changes["email"] = data.email
    if data.language != row.language and overwrite:
        changes["language"] = data.language
    if data.consent and row.consent_at is None:
        changes["consent_at"] = now
    if changes:
        db.session.execute(update(_callers).where(_callers.c.id == row.id).values(**changes))
        audit.record_row(actor, "update", Caller.__tablename__, row.id, fields=sorted(changes))
        changed("caller", [row.id])
        changed("caller_of", [row.id])
    return SavedCaller(**{**row._asdict(), **changes})


def find_caller_by_phone(phone_e164: str) -> Caller | None:
    return db.session.execute(
        select(Caller).where(Caller.phone == phone_e164).order_by(Caller.id.desc()).limit(1)
    ).scalar_one_or_none()


def caller_history(caller: Caller, viewer: User | None = None,
                   limit: int = HISTORY_LIMIT) -> tuple[list[Call], list[Enquiry]]:
    """The caller's latest calls and their open enquiries, as the caller card lists them to
    `viewer` (SPEC 10: `visibility.summary_condition`; everything when no viewer is given)."""
    call_stmt = select(Call).where(Call.caller_id == caller.id)
    enquiry_stmt = select(Enquiry).where(Enquiry.caller_id == caller.id,
                                         Enquiry.status.in_(EnquiryStatus.open_values()))
    if viewer is not None:
        call_stmt = call_stmt.where(visibility.summary_condition(viewer, Call))
        enquiry_stmt = enquiry_stmt.where(visibility.summary_condition(viewer, Enquiry))
    calls = db.session.execute(call_stmt.order_by(Call.started_at.desc()).limit(limit)).scalars().all()
    enquiries = db.session.execute(enquiry_stmt.order_by(Enquiry.created_at.desc())).scalars().all()
    return list(calls), list(enquiries)
