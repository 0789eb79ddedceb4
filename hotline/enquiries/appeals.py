"""Formal appeals under Federal Law 59-FZ (SPEC 3): marked at intake or later by the assignee or a
supervisor, which registers them (`registered_at`; the law wants it within 3 days of receipt);
the legal deadline is 30 calendar days from registration, extended once by up to 30 days with a
recorded reason by a supervisor. The deadline watch warns 5 days before it (hotline/sla/watch.py).
Each verb checks role and state itself, whatever the page offered."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import Enquiry, EnquiryEvent, User, utcnow
from ..visibility import can_see_enquiry, can_work_enquiry, is_supervisor

LEGAL_DAYS = 30            # a written answer within 30 calendar days of registration
LEGAL_EXTENSION_DAYS = 30  # once, by up to 30 days, with a recorded reason
REGISTRATION_DAYS = 3      # registration within 3 days of receipt
REASON_MAX = 1_000


def legal_due(registered_at: datetime) -> datetime:
    return registered_at + timedelta(days=LEGAL_DAYS)


def _require(actor: User, enquiry: Enquiry, permitted: bool, message) -> None:
    if not can_see_enquiry(actor, enquiry):
        raise NotFound(_l("No enquiry %(ref)s.", ref=enquiry.reference))
    if not permitted:
        raise Forbidden(message)


def mark_formal_appeal(actor: User, enquiry: Enquiry) -> Enquiry:
    """Mark and register an open enquiry as a formal appeal: its assignee or a supervisor."""
    _require(actor, enquiry, can_work_enquiry(actor, enquiry),
             _l("Only the assignee or a supervisor can mark a formal appeal."))
    if enquiry.formal_appeal:
        raise Conflict(_l("Enquiry %(ref)s is already a formal appeal.", ref=enquiry.reference))
    if not enquiry.is_open:
        raise Conflict(_l("Enquiry %(ref)s is no longer open: it cannot become a formal appeal.",
                          ref=enquiry.reference))
    now = utcnow()
    enquiry.formal_appeal = True
    enquiry.registered_at = now
    enquiry.legal_due_at = legal_due(now)
    enquiry.legal_warned_at = None
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id, kind="formal-appeal", created_at=now,
                                detail={"legal_due_at": enquiry.legal_due_at.isoformat()}))
    audit.record(actor, "formal_appeal", enquiry)
    return enquiry


def extend_legal_deadline(actor: User, enquiry: Enquiry, days, reason) -> Enquiry:
    """Once, by 1 to 30 days, with a reason: supervisors, and only while the appeal is open."""
    _require(actor, enquiry, is_supervisor(actor), _l("Only a supervisor can extend a legal deadline."))
    if not enquiry.formal_appeal:
        raise Conflict(_l("Only a formal appeal under 59-FZ has a legal deadline."))
    if not enquiry.is_open:
        raise Conflict(_l("Enquiry %(ref)s is no longer open: its legal deadline cannot be extended.",
                          ref=enquiry.reference))
    if enquiry.legal_extended_at is not None:
        raise Conflict(_l("The legal deadline can be extended only once."))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= LEGAL_EXTENSION_DAYS:
        raise ValidationFailed(_l("An extension is 1 to %(max)d days.", max=LEGAL_EXTENSION_DAYS),
                               {"days": str(_l("1 to %(max)d days.", max=LEGAL_EXTENSION_DAYS))})
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed(_l("Give the reason for the extension."), {"reason": str(_l("Required."))})
    if len(reason) > REASON_MAX:
        error = _l("Too long: at most %(max)d characters.", max=REASON_MAX)
        raise ValidationFailed(error, {"reason": str(error)})
    now = utcnow()
    enquiry.legal_due_at = enquiry.legal_due_at + timedelta(days=days)
    enquiry.legal_extended_at = now
    enquiry.legal_extension_reason = reason
    enquiry.legal_warned_at = None  # the new deadline is warned of afresh
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id, kind="legal-extension",
                                detail={"days": days, "reason": reason}, created_at=now))
    audit.record(actor, "extend_legal_deadline", enquiry, days=days)
    return enquiry
