"""Verbs of a coordinator's work on an enquiry (SPEC 5.3): answer, note, hand over, return to the
operator, reopen, close, cancel. Each checks the transition, writes the trail and the audit log,
and leaves the commit to the caller."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import Enquiry, EnquiryEvent, EnquiryNote, EnquiryStatus, Role, User, utcnow
from ..queue import enqueue_after_commit
from .access import can_work, is_supervisor
from .routing import ROUTE_JOB, route_job_id
from .service import business_calendar

ANSWER_MAX = 20_000
NOTE_MAX = 5_000
REASON_MAX = 1_000
WORKABLE = (EnquiryStatus.ASSIGNED, EnquiryStatus.REOPENED)


def _event(enquiry: Enquiry, actor: User | None, kind: str, **detail) -> None:
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id if actor else None, kind=kind,
                                detail=detail, created_at=utcnow()))


def _text(value, field: str, max_length: int, message) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(message, {field: str(message)})
    value = value.strip()
    if len(value) > max_length:
        error = _l("Too long: at most %(max)d characters.", max=max_length)
        raise ValidationFailed(error, {field: str(error)})
    return value


def _require_work(actor: User, enquiry: Enquiry) -> None:
    if not can_work(actor, enquiry):
        raise Forbidden(_l("Only the assignee or a supervisor can do this."))


def answer_enquiry(actor: User, enquiry: Enquiry, text, faq_ids=None) -> Enquiry:
    """The answer: records first_response_at/answered_at and the business time it took."""
    _require_work(actor, enquiry)
    if enquiry.status not in WORKABLE:
        raise Conflict(_l("Enquiry %(ref)s cannot be answered now: it is %(status)s.",
                          ref=enquiry.reference, status=enquiry.status.value))
    text = _text(text, "text", ANSWER_MAX, _l("Write the answer."))
    if faq_ids is not None and (not isinstance(faq_ids, list)
                                or not all(isinstance(i, int) and not isinstance(i, bool) for i in faq_ids)):
        raise ValidationFailed(_l("Must be a list of FAQ entry numbers."),
                               {"faq_ids": str(_l("Must be a list of FAQ entry numbers."))})
    now = utcnow()
    enquiry.status = EnquiryStatus.ANSWERED
    enquiry.answer = text
    enquiry.answered_at = now
    if enquiry.first_response_at is None:
        enquiry.first_response_at = now
    enquiry.answer_business_seconds = business_calendar().business_seconds_between(enquiry.created_at, now)
    _event(enquiry, actor, "answered", faq_ids=faq_ids or [])
    audit.record(actor, "answer", enquiry)
    if faq_ids:
        from ..faq.service import record_use

        record_use(actor, faq_ids, enquiry=enquiry, at=now)
    if enquiry.created_by_id and enquiry.created_by_id != actor.id:
        from ..notifications.service import notify

        notify(db.session.get(User, enquiry.created_by_id), "answered", enquiry)
    from ..delivery.service import start_delivery

    start_delivery(actor, enquiry)  # by the reply channel, after the commit
    return enquiry


def add_note(actor: User, enquiry: Enquiry, body) -> EnquiryNote:
    _require_work(actor, enquiry)
    body = _text(body, "body", NOTE_MAX, _l("Write the note."))
    note = EnquiryNote(enquiry_id=enquiry.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(note)
    _event(enquiry, actor, "note")
    return note


def hand_over(actor: User, enquiry: Enquiry, to_login, reason) -> Enquiry:
    """The assignee hands over, or a supervisor reassigns, to another active coordinator."""
    if not (is_supervisor(actor) or enquiry.assignee_id == actor.id):
        raise Forbidden(_l("Only the assignee or a supervisor can hand an enquiry over."))
    if not enquiry.is_open:
        raise Conflict(_l("Enquiry %(ref)s is closed.", ref=enquiry.reference))
    if not isinstance(to_login, str) or not to_login.strip():
        raise ValidationFailed(_l("Choose the coordinator."), {"to": str(_l("Choose the coordinator."))})
    target = db.session.execute(select(User).where(User.login == to_login.strip())).scalar_one_or_none()
    if target is None or not target.active or target.role is not Role.COORDINATOR:
        error = _l("No active coordinator with login %(login)s.", login=to_login.strip()[:64])
        raise ValidationFailed(error, {"to": str(error)})
    if target.id == enquiry.assignee_id:
        raise Conflict(_l("Enquiry %(ref)s is already with %(login)s.", ref=enquiry.reference, login=target.login))
    reason = _text(reason, "reason", REASON_MAX, _l("Say why you hand it over."))
    now = utcnow()
    previous = enquiry.assignee.login if enquiry.assignee else None
    enquiry.assignee = target
    if enquiry.status is EnquiryStatus.NEW:
        enquiry.status = EnquiryStatus.ASSIGNED
        enquiry.unrouted_at = None
        enquiry.unrouted_reason = None
    if enquiry.assigned_at is None:
        enquiry.assigned_at = now
    target.last_assigned_at = now
    _event(enquiry, actor, "handed-over", **{"from": previous, "to": target.login, "reason": reason})
    audit.record(actor, "hand_over", enquiry, to=target.login)
    from ..notifications.service import notify
    from ..sla.watch import schedule_sla_jobs

    notify(target, "handed-over", enquiry)
    schedule_sla_jobs(enquiry)
    return enquiry


def return_to_operator(actor: User, enquiry: Enquiry, reason) -> Enquiry:
    """Back to the operator who logged it (wrong topic, the caller must be asked again)."""
    _require_work(actor, enquiry)
    if enquiry.status not in WORKABLE:
        raise Conflict(_l("Enquiry %(ref)s cannot be returned now.", ref=enquiry.reference))
    if enquiry.created_by_id is None:  # a resident's own (web, Open311): nobody would see it returned
        raise Conflict(_l("Enquiry %(ref)s came from a resident directly, not from an operator: hand it over "
                          "or cancel it.", ref=enquiry.reference))
    reason = _text(reason, "reason", REASON_MAX, _l("Say why you return it."))
    enquiry.status = EnquiryStatus.NEW
    enquiry.assignee = None
    enquiry.returned_at = utcnow()
    enquiry.return_reason = reason
    _event(enquiry, actor, "returned", reason=reason)
    audit.record(actor, "return", enquiry)
    from ..notifications.service import notify

    notify(db.session.get(User, enquiry.created_by_id), "returned", enquiry)
    return enquiry


def resubmit(actor: User, enquiry: Enquiry, topic_id: int | None = None) -> Enquiry:
    """The operator sends a returned enquiry on again (perhaps under another topic)."""
    if not (is_supervisor(actor) or enquiry.created_by_id == actor.id):
        raise Forbidden(_l("Only the operator who logged it or a supervisor can send it on."))
    if enquiry.returned_at is None or enquiry.status is not EnquiryStatus.NEW:
        raise Conflict(_l("Enquiry %(ref)s was not returned.", ref=enquiry.reference))
    if topic_id is not None:
        enquiry.topic_id = topic_id
    enquiry.returned_at = None
    _event(enquiry, actor, "resubmitted", topic_id=enquiry.topic_id)
    enqueue_after_commit(ROUTE_JOB, enquiry.id, job_id=route_job_id(enquiry.id))
    return enquiry


def reopen(actor: User, enquiry: Enquiry, reason) -> Enquiry:
    if enquiry.status is not EnquiryStatus.ANSWERED:
        raise Conflict(_l("Only an answered enquiry can be reopened."))
    if not (is_supervisor(actor) or enquiry.assignee_id == actor.id or enquiry.created_by_id == actor.id):
        raise Forbidden(_l("You cannot reopen this enquiry."))
    reason = _text(reason, "reason", REASON_MAX, _l("Say why it is reopened."))
    enquiry.status = EnquiryStatus.REOPENED
    enquiry.reopened_at = utcnow()
    _event(enquiry, actor, "reopened", reason=reason)
    audit.record(actor, "reopen", enquiry)
    # The routing job gives it back to its assignee, or to someone present if they are away.
    enqueue_after_commit(ROUTE_JOB, enquiry.id, job_id=route_job_id(enquiry.id))
    return enquiry


def close(actor: User, enquiry: Enquiry) -> Enquiry:
    if enquiry.status is not EnquiryStatus.ANSWERED:
        raise Conflict(_l("Only an answered enquiry can be closed."))
    if not (is_supervisor(actor) or enquiry.assignee_id == actor.id):
        raise Forbidden(_l("Only the assignee or a supervisor can close an enquiry."))
    enquiry.status = EnquiryStatus.CLOSED
    enquiry.closed_at = utcnow()
    _event(enquiry, actor, "closed")
    audit.record(actor, "close", enquiry)
    return enquiry


def cancel(actor: User, enquiry: Enquiry, reason) -> Enquiry:
    if not enquiry.is_open:
        raise Conflict(_l("Enquiry %(ref)s is not open.", ref=enquiry.reference))
    if not (is_supervisor(actor) or enquiry.created_by_id == actor.id):
        raise Forbidden(_l("Only a supervisor or the operator who logged it can cancel it."))
    reason = _text(reason, "reason", REASON_MAX, _l("Say why it is cancelled."))
    enquiry.status = EnquiryStatus.CANCELLED
    enquiry.cancelled_at = utcnow()
    enquiry.cancel_reason = reason
    _event(enquiry, actor, "cancelled", reason=reason)
    audit.record(actor, "cancel", enquiry)
    return enquiry


def get_enquiry(enquiry_id: int) -> Enquiry:
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None:
        raise NotFound(_l("No enquiry with number %(id)s.", id=enquiry_id))
    return enquiry
