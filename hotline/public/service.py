"""Residents' own enquiries: a submission is a call on channel `web` with a routed enquiry, the
same verb the desk uses; the status is shown to whoever gives the reference and the phone or
e-mail it was submitted with."""
from __future__ import annotations

import time

import redis
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..attachments.service import TooLarge, add_attachment, check_attachment
from ..calls.schema import parse_call
from ..calls.service import SavedCall, record_call
from ..errors import ServiceError, ValidationFailed
from ..extensions import db
from ..models import AttachmentSource, Enquiry, EnquiryStatus
from ..phones import InvalidPhone, normalise_phone
from ..queue import get_redis

# The status a resident reads: the desk's own states are finer than they need.
PUBLIC_STATUS = {
    EnquiryStatus.NEW: _l("received"),
    EnquiryStatus.ASSIGNED: _l("being answered"),
    EnquiryStatus.REOPENED: _l("being answered"),
    EnquiryStatus.ANSWERED: _l("answered"),
    EnquiryStatus.CLOSED: _l("answered"),
    EnquiryStatus.CANCELLED: _l("withdrawn"),
}
# Field names of the call schema → the public form's fields.
FORM_FIELDS = {"caller.name": "name", "caller.phone": "phone", "caller.email": "email",
               "caller.language": "language", "caller": "phone"}


def submission_payload(form, channel: str = "web") -> dict:
    """The call a resident's submission makes (form fields: name, phone, email, language, topic,
    city, question)."""
    def text(name):
        value = form.get(name)
        return value.strip() if isinstance(value, str) else value

    return {
        "caller": {"name": text("name") or "", "phone": text("phone") or None, "email": text("email") or None,
                   "language": text("language") or "ru", "consent": True},
        "channel": channel, "topic": text("topic"), "city": text("city") or None,
        "question": text("question"), "outcome": "routed", "reply_channel": text("reply_channel") or None,
    }


def submit_enquiry(payload: dict, consent: bool, actor=None, attachment: tuple[str, bytes] | None = None) -> SavedCall:
    """Check everything first — consent to processing (152-FZ), a phone or an e-mail to find the
    enquiry by, the call's own rules, the attached file (name, bytes) if any — and only then write."""
    errors: dict[str, str] = {}
    file_error = None
    if attachment is not None:
        try:
            check_attachment(*attachment)
        except ServiceError as exc:
            file_error = exc
            errors["attachment"] = str(exc.message)
    if not consent:
        errors["consent"] = str(_l("Consent to the processing of personal data is needed to register a question."))
    caller = payload.get("caller") or {}
    if not (caller.get("phone") or caller.get("email")):
        errors["phone"] = str(_l("Give a phone number or an e-mail: the answer is found by it."))
    data = None
    try:
        data = parse_call(payload)
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            errors.setdefault(FORM_FIELDS.get(name, name), message)
    if errors:
        # A file that is only too large answers 413, as the API does; anything else is 422.
        error = TooLarge if isinstance(file_error, TooLarge) and len(errors) == 1 else ValidationFailed
        raise error(_l("The question was not sent: check the marked fields."), errors)
    saved = record_call(actor, payload, data)
    if attachment is not None:
        add_attachment(saved.enquiry, *attachment, AttachmentSource.PUBLIC, actor)
    return saved


SUBMISSION_TTL = 24 * 3600
_PENDING = "pending"


def _submission_key(key: str) -> str:
    return f"hotline:public-submission:{key}"


def claim_submission(key: str) -> bool | str:
    """Claim the public form's one-time key: True if it is new (go on), the reference it filed if
    the same form was sent before, False if there is no key or Redis is away (go on, unguarded).
    A second send while the first is still being saved is answered as if it had filed nothing
    new: it waits a moment for the first one's reference."""
    if not key or len(key) > 64:
        return False
    try:
        conn = get_redis()
        if conn.set(_submission_key(key), _PENDING, nx=True, ex=SUBMISSION_TTL):
            return True
        for _ in range(20):
            value = conn.get(_submission_key(key))
            value = value.decode() if isinstance(value, bytes) else value
            if value and value != _PENDING:
                return value
            if value is None:  # the first send failed and let the key go: this one goes on
                return bool(conn.set(_submission_key(key), _PENDING, nx=True, ex=SUBMISSION_TTL)) or False
            time.sleep(0.1)
    except (redis.RedisError, OSError):
        return False
    return False


def remember_submission(key: str, reference: str) -> None:
    _set_submission(key, reference)


def forget_submission(key: str) -> None:
    """Let the key go: the form was refused, the resident corrects it and sends it again."""
    _set_submission(key, None)


def _set_submission(key: str, reference: str | None) -> None:
    if not key or len(key) > 64:
        return
    try:
        if reference is None:
            get_redis().delete(_submission_key(key))
        else:
            get_redis().set(_submission_key(key), reference, ex=SUBMISSION_TTL)
    except (redis.RedisError, OSError):
        pass


def sent_enquiry(reference: str | None) -> Enquiry | None:
    if not reference:
        return None
    return db.session.execute(select(Enquiry).where(Enquiry.reference == reference)).scalar_one_or_none()


def normalise_reference(typed: str) -> str:
    """`зл-2026-000123`, `ZL 2026 123` and `ЗЛ-2026-000123` are one reference."""
    text = (typed or "").strip().upper().replace(" ", "-").replace("ZL", "ЗЛ")
    parts = [p for p in text.split("-") if p]
    if len(parts) == 3 and parts[0] == "ЗЛ" and all(p.isascii() and p.isdigit() and len(p) < 10 for p in parts[1:]):
        return f"ЗЛ-{parts[1]}-{int(parts[2]):06d}"
    return text


def find_for_resident(reference: str, contact: str) -> Enquiry | None:
    """The enquiry with this reference if `contact` is the phone or e-mail it was submitted with;
    None otherwise, without saying which of the two did not match."""
    enquiry = db.session.execute(
        select(Enquiry).where(Enquiry.reference == normalise_reference(reference))).scalar_one_or_none()
    caller = enquiry.caller if enquiry is not None else None
    if caller is None or not (contact or "").strip():
        return None
    contact = contact.strip()
    matches = caller.email is not None and caller.email == contact.lower()
    if not matches and caller.phone:
        try:
            matches = caller.phone == normalise_phone(contact, current_app.config["HOTLINE_PHONE_REGION"])
        except InvalidPhone:
            matches = False
    if not matches:
        return None
    audit.record_row(None, "read", Enquiry.__tablename__, enquiry.id, via="public")
    return enquiry


def published_answer(enquiry: Enquiry) -> str | None:
    if enquiry.status in (EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED) and enquiry.answer_published:
        return enquiry.answer
    return None
