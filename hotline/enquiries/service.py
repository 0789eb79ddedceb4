"""Verbs on enquiries. Services flush, never commit: the request or job edge commits once."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import (
    CalendarDay,
    Call,
    Enquiry,
    EnquiryEvent,
    EnquiryStatus,
    SlaPolicy,
    User,
    utcnow,
)
from ..queue import enqueue_after_commit
from ..sla.calendar import BusinessCalendar
from ..timefmt import to_local
from .references import next_reference
from .routing import ROUTE_JOB, route_job_id

DEFAULT_FIRST_RESPONSE_HOURS = 8.0
DEFAULT_ANSWER_HOURS = 24.0


def business_calendar() -> BusinessCalendar:
    overrides = dict(db.session.execute(select(CalendarDay.day, CalendarDay.working)).all())
    return BusinessCalendar.from_config(current_app.config, overrides)


def sla_targets(topic_id: int) -> tuple[float, float]:
    """(first-response hours, answer hours) for a topic: its own policy, else the default row."""
    rows = db.session.execute(
        select(SlaPolicy.topic_id, SlaPolicy.first_response_hours, SlaPolicy.answer_hours).where(
            (SlaPolicy.topic_id == topic_id) | SlaPolicy.topic_id.is_(None)
        )
    ).all()
    by_topic = {row.topic_id: row for row in rows}
    row = by_topic.get(topic_id) or by_topic.get(None)
    if row is None:
        return DEFAULT_FIRST_RESPONSE_HOURS, DEFAULT_ANSWER_HOURS
    return row.first_response_hours, row.answer_hours


def create_enquiry(actor: User | None, call: Call, created_at: datetime | None = None) -> Enquiry:
    """A `new` enquiry for a routed call, with its due times; the routing job goes after commit."""
    created_at = created_at or utcnow()
    calendar = business_calendar()
    first_hours, answer_hours = sla_targets(call.topic_id)
    enquiry = Enquiry(
        reference=next_reference(to_local(created_at).year),
        call=call,
        caller_id=call.caller_id,
        created_by_id=actor.id if actor else None,
        topic_id=call.topic_id,
        city_id=call.city_id,
        question=call.question,
        status=EnquiryStatus.NEW,
        created_at=created_at,
        first_response_due_at=calendar.add_business_hours(created_at, first_hours),
        due_at=calendar.add_business_hours(created_at, answer_hours),
    )
    db.session.add(enquiry)
    enquiry.events.append(
        EnquiryEvent(actor_id=enquiry.created_by_id, kind="created", detail={}, created_at=created_at)
    )
    db.session.flush()
    audit.record(actor, "create", enquiry, reference=enquiry.reference)
    enqueue_after_commit(ROUTE_JOB, enquiry.id, job_id=route_job_id(enquiry.id))
    return enquiry
