"""Residents' personal data (SPEC 10, 152-FZ): find a caller, export everything held about them,
erase it on request, and anonymise what is older than the retention period.

Anonymising keeps every row and every time, topic, city, channel and outcome, so the statistics
stay as they were; it blanks who the caller is (name, phone, e-mail) and the free texts of their
calls and enquiries (questions, answers, notes, reasons), where people tell their stories.
Retention (anonymising by age) is in `retention.py`.
Services flush, never commit: the request, the command or the job commits."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update

from .. import audit
from ..attachments.service import attachments_of, remove_enquiry_attachments
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import Call, Caller, Enquiry, EnquiryEvent, EnquiryNote, EnquiryStatus, User, utcnow
from ..phones import InvalidPhone, format_phone, normalise_phone
from ..search.index import changed
from ..telephony.service import erase_phone
from ..timefmt import iso

SEARCH_LIMIT = 50
REASON_MAX = 500
OPEN = EnquiryStatus.open_values()

# What anonymising sets: the free texts of a call and of an enquiry.
BLANK_CALL = {"question": "", "answer": None}
BLANK_ENQUIRY = {"question": "", "answer": None, "cancel_reason": None, "return_reason": None,
                 "legal_extension_reason": None}
REDACTED_NOTE = ""


def find_callers(query: str) -> list[Caller]:
    """Callers by phone (any way of typing it), e-mail, or part of the name; newest first."""
    text = (query or "").strip()
    if not text:
        return []
    conditions = [Caller.email == text.lower(), Caller.name.icontains(text, autoescape=True)]
    try:
        conditions.append(Caller.phone == normalise_phone(text, current_app.config["HOTLINE_PHONE_REGION"]))
    except InvalidPhone:
        pass
    return list(db.session.execute(
        select(Caller).where(or_(*conditions), Caller.anonymised_at.is_(None))
        .order_by(Caller.id.desc()).limit(SEARCH_LIMIT)
    ).scalars())


def caller_calls(caller: Caller) -> list[Call]:
    return list(db.session.execute(
        select(Call).where(Call.caller_id == caller.id).order_by(Call.started_at.desc())).scalars())


def caller_enquiries(caller: Caller) -> list[Enquiry]:
    return list(db.session.execute(
        select(Enquiry).where(Enquiry.caller_id == caller.id).order_by(Enquiry.created_at.desc())).scalars())


def open_enquiries(caller: Caller) -> list[Enquiry]:
    return [e for e in caller_enquiries(caller) if e.is_open]


def export_caller(actor: User, caller: Caller) -> dict:
    """Everything held about a caller, as the resident may ask for it (152-FZ art. 14)."""
    audit.record(actor, "export", caller)
    return {
        "exported_at": iso(utcnow()),
        "caller": {
            "id": caller.id, "name": caller.name, "phone": caller.phone, "phone_display": format_phone(caller.phone),
            "email": caller.email, "language": caller.language, "consent_at": iso(caller.consent_at),
            "created_at": iso(caller.created_at),
        },
        "calls": [{
            "id": c.id, "started_at": iso(c.started_at), "ended_at": iso(c.ended_at),
            "channel": c.channel.value, "topic": c.topic.code if c.topic else None,
            "city": c.city.code if c.city else None,
            "outcome": c.outcome.value, "question": c.question, "answer": c.answer,
        } for c in caller_calls(caller)],
        "enquiries": [{
            "reference": e.reference, "status": e.status.value, "topic": e.topic.code,
            "city": e.city.code if e.city else None, "question": e.question, "answer": e.answer,
            "created_at": iso(e.created_at), "answered_at": iso(e.answered_at), "closed_at": iso(e.closed_at),
            "formal_appeal": e.formal_appeal, "cancel_reason": e.cancel_reason, "return_reason": e.return_reason,
            "legal_extension_reason": e.legal_extension_reason,
            "notes": [{"at": iso(n.created_at), "text": n.body} for n in e.notes],
            "attachments": [{"name": a.name, "type": a.content_type, "size": a.size, "at": iso(a.created_at)}
                            for a in attachments_of(e)],
            "trail": [{"at": iso(ev.created_at), "kind": ev.kind,
                       "reason": (ev.detail or {}).get("reason") if isinstance(ev.detail, dict) else None}
                      for ev in e.events],
        } for e in caller_enquiries(caller)],
    }


@dataclass
class Anonymised:
    callers: int = 0
    calls: int = 0
    enquiries: int = 0

    def __iadd__(self, other: "Anonymised") -> "Anonymised":
        self.callers += other.callers
        self.calls += other.calls
        self.enquiries += other.enquiries
        return self

    def __bool__(self) -> bool:
        return bool(self.callers or self.calls or self.enquiries)


def erase_caller(actor: User, caller: Caller, reason: str) -> Anonymised:
    """Erase a caller's data at their request: the caller card and the texts of all their calls
    and enquiries. Refused while an enquiry of theirs is still open (it must be answered or
    cancelled first, so that no work in progress loses its question)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say on what grounds the data is erased (the resident's request, its date)."),
                               {"reason": _l("This field is required.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_l("Too long: at most %(max)d characters.", max=REASON_MAX),
                               {"reason": _l("Too long: at most %(max)d characters.", max=REASON_MAX)})
    # Lock the card first (PostgreSQL): a call logged for this phone meanwhile waits, then finds
    # no caller with it; a call logged before shows up in the check below.
    db.session.execute(select(Caller.id).where(Caller.id == caller.id).with_for_update())
    db.session.refresh(caller)
    if caller.anonymised_at is not None:
        raise Conflict(_l("This caller's data has already been erased."))
    still_open = open_enquiries(caller)
    if still_open:
        raise Conflict(_l("Enquiries %(refs)s are still open: answer or cancel them first.",
                          refs=", ".join(e.reference for e in still_open)))
    call_ids = db.session.execute(select(Call.id).where(Call.caller_id == caller.id)).scalars().all()
    enquiry_ids = db.session.execute(select(Enquiry.id).where(Enquiry.caller_id == caller.id)).scalars().all()
    phone = caller.phone
    done = Anonymised(callers=anonymise_callers([caller.id]), calls=blank_calls(call_ids),
                      enquiries=blank_enquiries(enquiry_ids))
    if phone:
        erase_phone(phone)
    db.session.refresh(caller)
    audit.record(actor, "erase", caller, reason=reason, calls=done.calls, enquiries=done.enquiries)
    return done


# Each UPDATE repeats the conditions its rows were chosen by (no open enquiry, nothing recent):
# on PostgreSQL a row may change between the SELECT and the UPDATE, and it must then be left alone.
UNTOUCHED_CALLER = Caller.anonymised_at.is_(None)
CLOSED_ENQUIRY = Enquiry.status.not_in(OPEN)
NO_OPEN_ENQUIRY_OF_CALL = ~exists().where(Enquiry.call_id == Call.id, Enquiry.status.in_(OPEN))


def anonymise_callers(ids: list[int], *conditions) -> int:
    if not ids:
        return 0
    done = db.session.execute(update(Caller).where(Caller.id.in_(ids), UNTOUCHED_CALLER, *conditions)
                              .values(name="", phone=None, email=None, anonymised_at=utcnow())
                              .returning(Caller.id)).scalars().all()
    changed("caller", done)  # gone from search as the erasure commits
    changed("caller_of", done)
    return len(done)


def blank_calls(ids: list[int]) -> int:
    if not ids:
        return 0
    done = db.session.execute(update(Call).where(Call.id.in_(ids), NO_OPEN_ENQUIRY_OF_CALL)
                              .values(**BLANK_CALL).returning(Call.id)).scalars().all()
    changed("call", done)
    return len(done)


def blank_enquiries(ids: list[int]) -> int:
    if not ids:
        return 0
    ids = db.session.execute(update(Enquiry).where(Enquiry.id.in_(ids), CLOSED_ENQUIRY)
                             .values(**BLANK_ENQUIRY).returning(Enquiry.id)).scalars().all()
    if not ids:
        return 0
    changed("enquiry", ids)
    db.session.execute(update(EnquiryNote).where(EnquiryNote.enquiry_id.in_(ids)).values(body=REDACTED_NOTE))
    remove_enquiry_attachments(ids)  # the files too; a file shared with another enquiry stays for it
    # Reasons typed into the trail; the trail itself (who did what, when) stays.
    for event in db.session.execute(
            select(EnquiryEvent).where(EnquiryEvent.enquiry_id.in_(ids), EnquiryEvent.detail.is_not(None))).scalars():
        if isinstance(event.detail, dict) and event.detail.get("reason"):
            event.detail = {**event.detail, "reason": ""}
    return len(ids)
