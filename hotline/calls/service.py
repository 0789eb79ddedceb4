"""Verbs of the call desk: log a call, find a caller and their history."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .. import audit, visibility
from ..enquiries.service import create_enquiry
from ..extensions import db
from ..faq.service import record_use
from ..models import Call, Caller, CallOutcome, Enquiry, EnquiryStatus, User, utcnow
from ..search.index import changed
from ..telephony.service import link_logged_call
from .schema import CallerInput, CallInput, parse_call

HISTORY_LIMIT = 10


def log_call(actor: User | None, payload: dict, data: CallInput | None = None) -> Call:
    """Validate and record one call; a routed call also gets a `new` enquiry (routed after commit).
    `actor` is None for what residents submit themselves (the public form, Open311, e-mail);
    `data` is the payload already parsed, when the caller had to check it first."""
    data = data or parse_call(payload)
    now = utcnow()
    started_at = data.started_at or now
    # No end given: it ended now, if that makes a call of a sane length; else its length is unknown.
    longest = timedelta(minutes=current_app.config["CALL_MAX_HANDLE_MINUTES"])
    ended_at = data.ended_at or (now if data.started_at is None or now - longest <= data.started_at <= now else None)
    if data.cti_call_id:
        ended_at = data.ended_at  # still talking: the hang-up event fills it in
    call = Call(channel=data.channel, caller=save_caller(data.caller, overwrite=actor is not None, actor=actor),
                operator=actor, topic_id=data.topic.id if data.topic else None,
                city_id=data.city.id if data.city else None, question=data.question, answer=data.answer,
                outcome=data.outcome, started_at=started_at, ended_at=ended_at, created_at=now)
    db.session.add(call)
    if data.outcome is CallOutcome.ROUTED:
        # marked by the operator at intake; what residents send is not
        create_enquiry(actor, call, reply_channel=data.reply_channel,
                       formal_appeal=data.formal_appeal and actor is not None)
    db.session.flush()
    if data.cti_call_id:
        link_logged_call(data.cti_call_id, call.id)
    audit.record(actor, "create", call, outcome=data.outcome.value)
    changed("call", [call.id])
    record_use(actor, data.faq_entries, call_id=call.id, at=now)
    return call


def save_caller(data: CallerInput, overwrite: bool = True, actor: User | None = None) -> Caller | None:
    """The caller with this phone (or e-mail), updated with what the operator typed; a new caller
    if none matches; None for an anonymous call. Without `overwrite` (what a resident submits
    unchecked, on the web or through Open311) only empty fields are filled: nobody can rename
    someone else's card by typing their phone number."""
    if not (data.phone or data.email or data.name):
        return None
    caller = None
    if data.phone or data.email:
        match = Caller.phone == data.phone if data.phone else Caller.email == data.email
        # FOR UPDATE (PostgreSQL; SQLite's write lock already serialises): a call for a caller being
        # erased waits for the erasure and then finds no caller with that phone, so makes a new one.
        caller = db.session.execute(
            select(Caller).where(match).order_by(Caller.id.desc()).limit(1).with_for_update()).scalar()
    now = utcnow()
    if caller is None:
        caller = Caller(name=data.name, phone=data.phone, email=data.email, language=data.language,
                        consent_at=now if data.consent else None, created_at=now)
        db.session.add(caller)
        db.session.flush()
        audit.record(actor, "create", caller)
        changed("caller", [caller.id])
        return caller
    changes = []
    if data.name and data.name != caller.name and (overwrite or not caller.name):
        caller.name = data.name
        changes.append("name")
    if data.email and data.email != caller.email and (overwrite or not caller.email):
        caller.email = data.email
        changes.append("email")
    if data.language != caller.language and overwrite:
        caller.language = data.language
        changes.append("language")
    if data.consent and caller.consent_at is None:
        caller.consent_at = now
        changes.append("consent_at")
    if changes:
        audit.record(actor, "update", caller, fields=sorted(changes))
        changed("caller", [caller.id])
        changed("caller_of", [caller.id])
    return caller


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
