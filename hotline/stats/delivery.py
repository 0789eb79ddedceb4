"""The `delivery` and `feedback` blocks of the statistics (SPEC 7, 8.2), plain queries over the
delivery, call-back and feedback tables; `figures.compute` adds them to the payload.

- delivery: answers given in the period (by `answered_at`) on the reply channels `email` and
  `phone` (`none` makes no delivery and is left out); delivered = `sent` or `called-back`;
  the median minutes from answer to delivery over the delivered; call-back attempts made in the
  period; unreachable and failed among the period's answers.
- feedback: verdicts given in the period; helpful share; by coordinator (who answered) and topic.
Filters: topic, city, operator (who logged the call), channel (the call's), coordinator (who answered)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Call,
    CallbackAttempt,
    CallbackTask,
    Delivery,
    DeliveryStatus,
    Enquiry,
    Feedback,
    FeedbackVerdict,
    Topic,
    User,
)
from .period import Filters
from .sql import rank_for

DELIVERED = (DeliveryStatus.SENT, DeliveryStatus.CALLED_BACK)


def _filtered(stmt, filters: Filters, enquiry_id_column, coordinator_column):
    if filters.topic_id is not None or filters.city_id is not None or filters.operator_id is not None \
            or filters.channel:
        stmt = stmt.join(Enquiry, Enquiry.id == enquiry_id_column)
        if filters.topic_id is not None:
            stmt = stmt.where(Enquiry.topic_id == filters.topic_id)
        if filters.city_id is not None:
            stmt = stmt.where(Enquiry.city_id == filters.city_id)
        if filters.operator_id is not None:
            stmt = stmt.where(Enquiry.created_by_id == filters.operator_id)
        if filters.channel:
            stmt = stmt.join(Call, Call.id == Enquiry.call_id).where(Call.channel == filters.channel)
    if filters.coordinator_id is not None:
        stmt = stmt.where(coordinator_column == filters.coordinator_id)
    return stmt


def delivery_figures(start: datetime, end: datetime, filters: Filters) -> dict:
    rows = db.session.execute(_filtered(
        select(Delivery.status, Delivery.answered_at, Delivery.delivered_at)
        .where(Delivery.answered_at >= start, Delivery.answered_at < end),
        filters, Delivery.enquiry_id, Delivery.answered_by_id)).all()
    delivered = [r for r in rows if r.status in DELIVERED]
    minutes = [(r.delivered_at - r.answered_at).total_seconds() / 60 for r in delivered if r.delivered_at]
    attempts = db.session.execute(_filtered(
        select(func.count(CallbackAttempt.id)).join(CallbackTask, CallbackTask.id == CallbackAttempt.task_id)
        .outerjoin(Delivery, Delivery.id == CallbackTask.delivery_id)
        .where(CallbackAttempt.at >= start, CallbackAttempt.at < end),
        filters, CallbackTask.enquiry_id, Delivery.answered_by_id)).scalar_one()
    median = sorted(minutes)[rank_for(50, len(minutes)) - 1] if minutes else None  # nearest rank, as elsewhere
    return {
        "answers": len(rows),
        "delivered": len(delivered),
        "delivered_share": round(len(delivered) / len(rows), 4) if rows else None,
        "median_minutes": round(median, 1) if median is not None else None,
        "callback_attempts": attempts,
        "unreachable": sum(r.status is DeliveryStatus.UNREACHABLE for r in rows),
        "failed": sum(r.status is DeliveryStatus.FAILED for r in rows),
        "pending": sum(r.status is DeliveryStatus.PENDING for r in rows),
    }


def feedback_figures(start: datetime, end: datetime, filters: Filters) -> dict:
    base = _filtered(select(Feedback.verdict, User.login, Topic.code)
                     .outerjoin(User, User.id == Feedback.coordinator_id)
                     .outerjoin(Topic, Topic.id == Feedback.topic_id)
                     .where(Feedback.created_at >= start, Feedback.created_at < end),
                     filters, Feedback.enquiry_id, Feedback.coordinator_id)
    rows = db.session.execute(base).all()

    def block(items) -> dict:
        helpful = sum(verdict is FeedbackVerdict.HELPFUL for verdict in items)
        return {"responses": len(items), "helpful": helpful,
                "helpful_share": round(helpful / len(items), 4) if items else None}

    by_coordinator: dict[str, list] = {}
    by_topic: dict[str, list] = {}
    for verdict, login, topic in rows:
        by_coordinator.setdefault(login or "", []).append(verdict)
        by_topic.setdefault(topic or "", []).append(verdict)
    return {
        **block([r.verdict for r in rows]),
        "by_coordinator": [{"login": login, **block(items)} for login, items in sorted(by_coordinator.items())],
        "by_topic": {code: block(items) for code, items in sorted(by_topic.items())},
    }
