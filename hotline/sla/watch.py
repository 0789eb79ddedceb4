"""The SLA watch: jobs scheduled at 80 % of the answer target (warn the assignee) and at the due
time (escalate to supervisors), with deterministic ids so re-scheduling never duplicates; the
SLA state shown beside each enquiry; the 59-FZ legal deadline."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import Enquiry, EnquiryEvent, EnquiryStatus, User, utcnow
from ..queue import enqueue_after_commit

WATCHED = (EnquiryStatus.ASSIGNED, EnquiryStatus.REOPENED, EnquiryStatus.NEW)
LEGAL_DAYS = 30            # 59-FZ: a written answer within 30 days of registration
LEGAL_EXTENSION_DAYS = 30  # once, by up to 30 days, with a recorded reason


class SlaState(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    DONE = "done"


def sla_state(enquiry: Enquiry, now: datetime | None = None) -> SlaState:
    if enquiry.status not in WATCHED:
        return SlaState.DONE
    now = now or utcnow()
    if enquiry.due_at and now >= enquiry.due_at:
        return SlaState.BREACHED
    if enquiry.sla_warn_at and now >= enquiry.sla_warn_at:
        return SlaState.WARNING
    return SlaState.OK


def schedule_sla_jobs(enquiry: Enquiry) -> None:
    """(Re)schedule the warning and breach jobs after the commit; same ids, so no duplicates."""
    if enquiry.sla_warn_at:
        enqueue_after_commit("hotline.jobs.sla_warn", enquiry.id, job_id=f"sla-warn-{enquiry.id}",
                             at=enquiry.sla_warn_at)
    if enquiry.due_at:
        enqueue_after_commit("hotline.jobs.sla_breach", enquiry.id, job_id=f"sla-breach-{enquiry.id}",
                             at=enquiry.due_at)


def warn(enquiry_id: int, now: datetime | None = None) -> str:
    from ..notifications.service import notify

    now = now or utcnow()
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None or enquiry.status not in WATCHED:
        return "closed"
    if enquiry.sla_warn_at and now < enquiry.sla_warn_at:
        schedule_sla_jobs(enquiry)  # the deadline moved later since this job was scheduled
        return "early"
    if enquiry.assignee_id is None:
        return "nobody"
    assignee = db.session.get(User, enquiry.assignee_id)
    return "warned" if notify(assignee, "sla-warning", enquiry) else "already-warned"


def breach(enquiry_id: int, now: datetime | None = None) -> str:
    from ..notifications.service import notify, notify_supervisors

    now = now or utcnow()
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None or enquiry.status not in WATCHED:
        return "closed"
    if enquiry.due_at and now < enquiry.due_at:
        schedule_sla_jobs(enquiry)
        return "early"
    sent = notify_supervisors("sla-breach", enquiry)
    if enquiry.assignee_id is not None:
        notify(db.session.get(User, enquiry.assignee_id), "sla-breach", enquiry)
    if sent:
        db.session.add(EnquiryEvent(enquiry_id=enquiry.id, kind="breached", detail={}, created_at=now))
    return "escalated" if sent else "already-escalated"


def mark_formal_appeal(actor: User, enquiry: Enquiry) -> None:
    """A formal appeal under 59-FZ: 30 calendar days from registration."""
    if enquiry.formal_appeal:
        return
    enquiry.formal_appeal = True
    enquiry.legal_due_at = enquiry.created_at + timedelta(days=LEGAL_DAYS)
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id, kind="formal-appeal",
                                detail={"legal_due_at": enquiry.legal_due_at.isoformat()}, created_at=utcnow()))
    audit.record(actor, "formal_appeal", enquiry)


def extend_legal_deadline(actor: User, enquiry: Enquiry, days: int, reason: str) -> None:
    if not enquiry.formal_appeal:
        raise Conflict(_l("Only a formal appeal under 59-FZ has a legal deadline."))
    if enquiry.legal_extended_at is not None:
        raise Conflict(_l("The legal deadline can be extended only once."))
    if not isinstance(days, int) or not 1 <= days <= LEGAL_EXTENSION_DAYS:
        raise ValidationFailed(_l("An extension is 1 to %(max)d days.", max=LEGAL_EXTENSION_DAYS),
                               {"days": str(_l("1 to %(max)d days.", max=LEGAL_EXTENSION_DAYS))})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Give the reason for the extension."), {"reason": str(_l("Required."))})
    now = utcnow()
    enquiry.legal_due_at = enquiry.legal_due_at + timedelta(days=days)
    enquiry.legal_extended_at = now
    enquiry.legal_extension_reason = reason
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id, kind="legal-extension",
                                detail={"days": days, "reason": reason}, created_at=now))
    audit.record(actor, "extend_legal_deadline", enquiry, days=days)
