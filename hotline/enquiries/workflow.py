"""Verbs of a coordinator's work on an enquiry (SPEC 5.3): answer, note, hand over, return to the
operator, reopen, close, cancel. Each checks the transition, writes the trail and the audit log,
and leaves the commit to the caller."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, live, visibility
from ..calls.schema import parse_contact
from ..delivery.service import start_delivery
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..faq.service import record_use
from ..models import Caller, Enquiry, EnquiryEvent, EnquiryNote, EnquiryStatus, Role, SisterCity, Topic, User, utcnow
from ..notifications.service import notify
from ..queue import enqueue_after_commit
from ..reference import reference
from ..visibility import can_work_enquiry as can_work
from ..visibility import is_supervisor
from .appeals import REASON_MAX
from .routing import OPEN_ASSIGNED, ROUTE_JOB, route_job_id
from .service import business_calendar, mark_reopened, record_first_response

ANSWER_MAX = 20_000
NOTE_MAX = 5_000
REOPEN_DAYS = 30  # a closed enquiry may be reopened this long after closing (SPEC 3)


def _event(enquiry: Enquiry, actor: User | None, kind: str, **detail) -> None:
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id if actor else None, kind=kind,
                                detail=detail, created_at=utcnow()))
    live.publish_channel_after_commit("desk", "inbox")  # every open inbox refreshes its rows


def _text(value, field: str, max_length: int, message) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(message, {field: str(message)})
    value = value.strip()
    if len(value) > max_length:
        error = _l("Too long: at most %(max)d characters.", max=max_length)
        raise ValidationFailed(error, {field: str(error)})
    return value


def _require(actor: User, enquiry: Enquiry, permitted: bool, message) -> None:
    """Every verb checks for itself, whatever the page showed: an enquiry the actor may not read is
    not confirmed to exist (404); one they may read but not act on is 403."""
    if not visibility.can_see_enquiry(actor, enquiry):
        raise NotFound(_l("No enquiry %(ref)s.", ref=enquiry.reference))
    if not permitted:
        raise Forbidden(message)


def _require_work(actor: User, enquiry: Enquiry) -> None:
    _require(actor, enquiry, can_work(actor, enquiry), _l("Only the assignee or a supervisor can do this."))


def answer_enquiry(actor: User, enquiry: Enquiry, text, faq_ids=None) -> Enquiry:
    """The answer: records first_response_at/answered_at and the business time it took."""
    _require_work(actor, enquiry)
    if enquiry.status not in OPEN_ASSIGNED:
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
    record_first_response(enquiry, now)
    enquiry.answer_business_seconds = business_calendar().business_seconds_between(enquiry.created_at, now)
    _event(enquiry, actor, "answered", faq_ids=faq_ids or [])
    audit.record(actor, "answer", enquiry)
    if faq_ids:
        record_use(actor, faq_ids, enquiry=enquiry, at=now)
    if enquiry.created_by_id and enquiry.created_by_id != actor.id:
        notify(db.session.get(User, enquiry.created_by_id), "answered", enquiry)
    start_delivery(actor, enquiry)  # by the reply channel, after the commit
    return enquiry


def add_note(actor: User, enquiry: Enquiry, body) -> EnquiryNote:
    _require_work(actor, enquiry)
    body = _text(body, "body", NOTE_MAX, _l("Write the note."))
    note = EnquiryNote(enquiry_id=enquiry.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    _event(enquiry, actor, "note")
    audit.record(actor, "note", enquiry, note=note.id)
    return note


def hand_over(actor: User, enquiry: Enquiry, to_login, reason) -> Enquiry:
    """The assignee hands over, or a supervisor reassigns, to another active coordinator."""
    _require(actor, enquiry, can_work(actor, enquiry),
             _l("Only the assignee or a supervisor can hand an enquiry over."))
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
    notify(target, "handed-over", enquiry)
    return enquiry


def return_to_operator(actor: User, enquiry: Enquiry, reason) -> Enquiry:
    """Back to the operator who logged it (wrong topic, the caller must be asked again)."""
    _require_work(actor, enquiry)
    if enquiry.status not in OPEN_ASSIGNED:
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
    notify(db.session.get(User, enquiry.created_by_id), "returned", enquiry)
    return enquiry


def resubmit(actor: User, enquiry: Enquiry, topic_id: int | None = None,
             corrections: dict | None = None) -> Enquiry:
    """The operator sends a returned enquiry on again, with what the coordinator asked corrected:
    `corrections` may hold topic and city codes, the question, and the caller's name, phone and
    e-mail (as typed). Everything is checked first, nothing half-saved; the trail keeps each
    change as from → to."""
    _require(actor, enquiry, is_supervisor(actor) or _is_creator(actor, enquiry),
             _l("Only the operator who logged it or a supervisor can send it on."))
    if enquiry.returned_at is None or enquiry.status is not EnquiryStatus.NEW:
        raise Conflict(_l("Enquiry %(ref)s was not returned.", ref=enquiry.reference))
    changed = _apply_corrections(enquiry, corrections or {})
    if topic_id is not None and topic_id != enquiry.topic_id:
        changed["topic"] = [_topic_code(enquiry.topic_id), _topic_code(topic_id)]
        enquiry.topic_id = topic_id
    enquiry.returned_at = None
    enquiry.unrouted_at = None
    _event(enquiry, actor, "resubmitted", topic_id=enquiry.topic_id, changed=changed)
    audit.record(actor, "resubmit", enquiry, changed=sorted(changed))
    enqueue_after_commit(ROUTE_JOB, enquiry.id, job_id=route_job_id(enquiry.id))
    return enquiry


def _topic_code(topic_id):
    topic = db.session.get(Topic, topic_id) if topic_id else None
    return topic.code if topic else None


def _apply_corrections(enquiry: Enquiry, corrections: dict) -> dict[str, list]:
    """Check every correction, then apply them; returns what changed: {"topic"/"city": [old, new]
    codes, "question"/"caller_name"/"caller_phone"/"caller_email": None}."""
    errors: dict[str, str] = {}
    changes: dict[str, tuple] = {}
    if "topic" in corrections:
        topic = reference().topics.get(corrections.get("topic") or "")
        if topic is None or not topic.active:
            errors["topic"] = str(_l("Choose a topic."))
        elif topic.id != enquiry.topic_id:
            changes["topic"] = (topic.id, topic.code)
    if "city" in corrections:
        code = corrections.get("city") or ""
        city = reference().cities.get(code) if code else None
        if code and city is None:
            errors["city"] = str(_l("Unknown sister city code: %(code)s.", code=code[:40]))
        elif (city.id if city else None) != enquiry.city_id:
            changes["city"] = (city.id if city else None, city.code if city else None)
    if "question" in corrections:
        question = corrections.get("question") or ""
        question = question.strip() if isinstance(question, str) else None
        limit = current_app.config["QUESTION_MAX_LENGTH"]
        if question is None:
            errors["question"] = str(_l("Must be text."))
        elif not question:
            errors["question"] = str(_l("This field is required."))
        elif len(question) > limit:
            errors["question"] = str(_l("Too long: at most %(max)d characters.", max=limit))
        elif question != enquiry.question:
            changes["question"] = (question, question)
    contact_keys = ("caller_name", "caller_phone", "caller_email")
    caller_input = None
    if any(key in corrections for key in contact_keys):
        caller_input, contact_errors = parse_contact(corrections.get("caller_name") or "",
                                                     corrections.get("caller_phone") or "",
                                                     corrections.get("caller_email") or "")
        errors.update(contact_errors)
        if not contact_errors and not (caller_input.phone or caller_input.email):
            errors["caller.phone"] = str(_l("Give a phone number or an e-mail to call back."))
    if errors:
        fields = {{"caller.name": "caller_name", "caller.phone": "caller_phone",
                   "caller.email": "caller_email"}.get(k, k): v for k, v in errors.items()}
        raise ValidationFailed(_l("Nothing was sent on: check the marked fields."), fields)

    # The trail keeps topic and city as from → to; that the question or a contact detail was
    # corrected, without the text (personal data stays where erasure finds it).
    changed: dict[str, list | None] = {}
    old_city = db.session.get(SisterCity, enquiry.city_id).code if enquiry.city_id else None
    if "topic" in changes:
        changed["topic"] = [_topic_code(enquiry.topic_id), changes["topic"][1]]
        enquiry.topic_id = changes["topic"][0]
    if "city" in changes:
        changed["city"] = [old_city, changes["city"][1]]
        enquiry.city_id = changes["city"][0]
    if "question" in changes:
        changed["question"] = None
        enquiry.question = changes["question"][0]
    if caller_input is not None:
        caller = enquiry.caller
        if caller is None:
            caller = Caller(language="ru")
            db.session.add(caller)
            enquiry.caller = caller
        for name, value in (("name", caller_input.name), ("phone", caller_input.phone),
                            ("email", caller_input.email)):
            if (getattr(caller, name) or None) != (value or None):
                changed[f"caller_{name}"] = None
                setattr(caller, name, value or ("" if name == "name" else None))
    return changed


def reopen(actor: User, enquiry: Enquiry, reason) -> Enquiry:
    _require(actor, enquiry, can_work(actor, enquiry) or _is_creator(actor, enquiry),
             _l("You cannot reopen this enquiry."))
    recently_closed = (enquiry.status is EnquiryStatus.CLOSED and enquiry.closed_at is not None
                       and utcnow() - enquiry.closed_at <= timedelta(days=REOPEN_DAYS))
    if enquiry.status is not EnquiryStatus.ANSWERED and not recently_closed:
        raise Conflict(_l("Only an answered enquiry, or one closed in the last %(days)d days, can be reopened.",
                          days=REOPEN_DAYS))
    reason = _text(reason, "reason", REASON_MAX, _l("Say why it is reopened."))
    # A new due time from now; the routing job gives it back to its assignee, or to someone present.
    mark_reopened(enquiry, utcnow())
    _event(enquiry, actor, "reopened", reason=reason)
    audit.record(actor, "reopen", enquiry)
    return enquiry


def close(actor: User, enquiry: Enquiry) -> Enquiry:
    _require(actor, enquiry, can_work(actor, enquiry), _l("Only the assignee or a supervisor can close an enquiry."))
    if enquiry.status is not EnquiryStatus.ANSWERED:
        raise Conflict(_l("Only an answered enquiry can be closed."))
    enquiry.status = EnquiryStatus.CLOSED
    enquiry.closed_at = utcnow()
    _event(enquiry, actor, "closed")
    audit.record(actor, "close", enquiry)
    return enquiry


def cancel(actor: User, enquiry: Enquiry, reason) -> Enquiry:
    _require(actor, enquiry, is_supervisor(actor) or _is_creator(actor, enquiry),
             _l("Only a supervisor or the operator who logged it can cancel it."))
    if not enquiry.is_open:
        raise Conflict(_l("Enquiry %(ref)s is not open.", ref=enquiry.reference))
    reason = _text(reason, "reason", REASON_MAX, _l("Say why it is cancelled."))
    enquiry.status = EnquiryStatus.CANCELLED
    enquiry.cancelled_at = utcnow()
    enquiry.cancel_reason = reason
    _event(enquiry, actor, "cancelled", reason=reason)
    audit.record(actor, "cancel", enquiry)
    return enquiry


def _is_creator(actor: User, enquiry: Enquiry) -> bool:
    return actor.role is Role.OPERATOR and enquiry.created_by_id is not None and enquiry.created_by_id == actor.id


def get_enquiry(enquiry_id: int) -> Enquiry:
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None:
        raise NotFound(_l("No enquiry with number %(id)s.", id=enquiry_id))
    return enquiry
