"""Verbs on enquiries. Services flush, never commit: the request or job edge commits once."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from .. import audit
from ..extensions import db
from ..models import Call, Enquiry, EnquiryEvent, EnquiryStatus, ReplyChannel, User, utcnow
from ..queue import enqueue_after_commit
from ..reference import reference
from ..search.index import changed
from ..sla.calendar import BusinessCalendar
from ..timefmt import to_local
from .appeals import legal_due
from .references import next_reference
from .routing import ROUTE_JOB, route_job_id

SLA_WARN_FRACTION = 0.8
DEFAULT_FIRST_RESPONSE_HOURS = 8.0
DEFAULT_ANSWER_HOURS = 24.0


def business_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_config(current_app.config, reference().calendar_overrides)


def sla_targets(topic_id: int) -> tuple[float, float]:
    """(first-response hours, answer hours) for a topic: its own policy, else the default row."""
    sla = reference().sla
    return sla.get(topic_id) or sla.get(None) or (DEFAULT_FIRST_RESPONSE_HOURS, DEFAULT_ANSWER_HOURS)


def set_deadlines(enquiry: Enquiry) -> None:
    """A new enquiry's first-response and answer targets, in business hours from its creation
    (its topic's policy), and the 80 % moments the deadline watch warns at."""
    calendar = business_calendar()
    first_hours, answer_hours = sla_targets(enquiry.topic_id)
    created = enquiry.created_at
    enquiry.first_response_due_at = calendar.add_business_hours(created, first_hours)
    enquiry.first_response_warn_at = calendar.add_business_hours(created, first_hours * SLA_WARN_FRACTION)
    enquiry.sla_warn_at = calendar.add_business_hours(created, answer_hours * SLA_WARN_FRACTION)
    enquiry.due_at = calendar.add_business_hours(created, answer_hours)


def create_enquiry(actor: User | None, call: Call, *, reply_channel: ReplyChannel | None = None,
                   follows: Enquiry | None = None, formal_appeal: bool = False) -> Enquiry:
    """A `new` enquiry for a routed call, with its call's caller, topic, city and question; its
    routing job is sent after the commit. `formal_appeal`: marked at intake, so registered at
    creation (59-FZ)."""
    now = call.created_at or utcnow()
    enquiry = Enquiry(reference=next_reference(to_local(now).year), call=call, caller=call.caller,
                      created_by=actor, topic_id=call.topic_id, city_id=call.city_id, question=call.question,
                      status=EnquiryStatus.NEW, created_at=now, answer_published=True,
                      reply_channel=reply_channel or ReplyChannel.NONE, follows_id=follows.id if follows else None)
    set_deadlines(enquiry)
    enquiry.events.append(EnquiryEvent(actor=actor, kind="created", detail={}, created_at=now))
    if formal_appeal:
        enquiry.formal_appeal, enquiry.registered_at, enquiry.legal_due_at = True, now, legal_due(now)
        enquiry.events.append(EnquiryEvent(actor=actor, kind="formal-appeal", created_at=now, detail={
            "legal_due_at": enquiry.legal_due_at.isoformat(), "at_intake": True}))
    db.session.add(enquiry)
    db.session.flush()
    audit.record(actor, "create", enquiry, reference=enquiry.reference)
    changed("enquiry", [enquiry.id])
    changed("call", [call.id])  # the call is found under its enquiry's scope
    enqueue_after_commit(ROUTE_JOB, enquiry.id, job_id=route_job_id(enquiry.id))
    return enquiry


def record_first_response(enquiry: Enquiry, at: datetime) -> None:
    """SPEC 7: the first of the answer, an interim reply to the resident and a call-back that
    reached them; its business time is fixed now, as the answer's is."""
    if enquiry.first_response_at is not None:
        return
    enquiry.first_response_at = at
    enquiry.first_response_business_seconds = business_calendar().business_seconds_between(enquiry.created_at, at)


def mark_reopened(enquiry: Enquiry, at: datetime) -> None:
    """Reopened — by its coordinator, a resident's message or their "not helpful": a new answer
    target from this moment (SPEC 3, 7) that the deadline watch tells afresh; the routing job gives
    it back to its coordinator after the commit. The caller writes the trail entry."""
    _first_hours, answer_hours = sla_targets(enquiry.topic_id)
    calendar = business_calendar()
    enquiry.status = EnquiryStatus.REOPENED
    enquiry.reopened_at = at
    enquiry.sla_warn_at = calendar.add_business_hours(at, answer_hours * SLA_WARN_FRACTION)
    enquiry.due_at = calendar.add_business_hours(at, answer_hours)
    enquiry.sla_warned_at = enquiry.sla_breached_at = None
    enqueue_after_commit(ROUTE_JOB, enquiry.id, job_id=route_job_id(enquiry.id))
