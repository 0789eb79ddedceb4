"""Verbs on enquiries. Services flush, never commit: the request or job edge commits once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import insert

from .. import audit
from ..extensions import db
from ..models import Enquiry, EnquiryEvent, EnquiryStatus, ReplyChannel, User, utcnow
from ..queue import enqueue_after_commit
from ..reference import reference
from ..search.index import changed
from ..sla.calendar import BusinessCalendar
from ..timefmt import to_local
from .appeals import legal_due
from .references import next_reference
from .routing import ROUTE_JOB, route_job_id

# Built once: the hot path passes only parameters (no statement construction per call).
INSERT_ENQUIRY = insert(Enquiry.__table__).returning(Enquiry.__table__.c.id)
INSERT_EVENT = insert(EnquiryEvent.__table__)

SLA_WARN_FRACTION = 0.8
DEFAULT_FIRST_RESPONSE_HOURS = 8.0
DEFAULT_ANSWER_HOURS = 24.0


def business_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_config(current_app.config, reference().calendar_overrides)


def sla_targets(topic_id: int) -> tuple[float, float]:
    """(first-response hours, answer hours) for a topic: its own policy, else the default row."""
    sla = reference().sla
    return sla.get(topic_id) or sla.get(None) or (DEFAULT_FIRST_RESPONSE_HOURS, DEFAULT_ANSWER_HOURS)


@dataclass(frozen=True)
class EnquiryPlan:
    """What an enquiry's creation needs from reference data, worked out before any write."""

    created_at: datetime
    first_response_due_at: datetime
    first_response_warn_at: datetime
    sla_warn_at: datetime
    due_at: datetime


def plan_enquiry(topic_id: int, created_at: datetime) -> EnquiryPlan:
    calendar = business_calendar()
    first_hours, answer_hours = sla_targets(topic_id)
    return EnquiryPlan(
        created_at=created_at,
        first_response_due_at=calendar.add_business_hours(created_at, first_hours),
        first_response_warn_at=calendar.add_business_hours(created_at, first_hours * SLA_WARN_FRACTION),
        sla_warn_at=calendar.add_business_hours(created_at, answer_hours * SLA_WARN_FRACTION),
        due_at=calendar.add_business_hours(created_at, answer_hours),
    )


@dataclass(frozen=True)
class NewEnquiry:
    """An enquiry as `create_enquiry` wrote it: `new`, nobody assigned yet."""

    id: int
    reference: str
    created_at: datetime
    due_at: datetime
    status: EnquiryStatus = EnquiryStatus.NEW
    assignee: None = None
    formal_appeal: bool = False
    legal_due_at: datetime | None = None


def create_enquiry(actor: User | None, plan: EnquiryPlan, *, call_id: int, caller_id: int | None,
                   topic_id: int, city_id: int | None, question: str,
                   new_call_started_at: datetime | None = None, reply_channel=None,
                   follows_id: int | None = None, formal_appeal: bool = False) -> NewEnquiry:
    """A `new` enquiry for a routed call; its routing job is sent after the commit.
    `new_call_started_at`: the call was inserted in this same transaction and started then;
    `formal_appeal`: marked at intake, so registered at creation (59-FZ)."""
    reference = next_reference(to_local(plan.created_at).year)
    actor_id = actor.id if actor else None
    enquiry_id = db.session.execute(INSERT_ENQUIRY, dict(
        reference=reference, call_id=call_id, caller_id=caller_id, created_by_id=actor_id,
        topic_id=topic_id, city_id=city_id, question=question, status=EnquiryStatus.NEW,
        created_at=plan.created_at, first_response_due_at=plan.first_response_due_at,
        first_response_warn_at=plan.first_response_warn_at,
        sla_warn_at=plan.sla_warn_at, due_at=plan.due_at,
        formal_appeal=formal_appeal, registered_at=plan.created_at if formal_appeal else None,
        legal_due_at=legal_due(plan.created_at) if formal_appeal else None, answer_published=True, reply_channel=reply_channel or ReplyChannel.NONE,
        follows_id=follows_id,
    )).scalar_one()
    db.session.execute(INSERT_EVENT, dict(
        enquiry_id=enquiry_id, actor_id=actor_id, kind="created", detail={}, created_at=plan.created_at))
    if formal_appeal:
        db.session.execute(INSERT_EVENT, dict(
            enquiry_id=enquiry_id, actor_id=actor_id, kind="formal-appeal", created_at=plan.created_at,
            detail={"legal_due_at": legal_due(plan.created_at).isoformat(), "at_intake": True}))
    audit.record_row(actor, "create", Enquiry.__tablename__, enquiry_id, reference=reference)
    changed("enquiry", [enquiry_id])
    changed("call", [call_id])  # the call is found under its enquiry's scope
    enqueue_after_commit(ROUTE_JOB, enquiry_id, job_id=route_job_id(enquiry_id))
    return NewEnquiry(enquiry_id, reference, plan.created_at, plan.due_at, formal_appeal=formal_appeal,
                      legal_due_at=legal_due(plan.created_at) if formal_appeal else None)


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
