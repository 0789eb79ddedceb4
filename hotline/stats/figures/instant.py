"""States at an instant, not sums of days: open and overdue enquiries, backlog aging and open per
coordinator at `at`, and the FAQ entries never used before it — grouped queries on the raw rows
that the indexes on answered_at / reopened_at keep to the few candidates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, exists, func, not_, or_, select, union_all

from ...enquiries.service import business_calendar
from ...extensions import db
from ...models import Call, CallChannel, Enquiry, EnquiryStatus, FaqEntry, FaqStatus, FaqUse
from ..period import Filters
from ..sql import not_indexed

AGE_BUCKETS = ("<1", "1-3", "3-10", ">10")  # business days


def enquiry_source(filters: Filters):
    """The FROM clause and conditions that apply the filters to enquiries."""
    conditions = []
    source = Enquiry.__table__
    if filters.topic_id is not None:
        conditions.append(Enquiry.topic_id == filters.topic_id)
    if filters.city_id is not None:
        conditions.append(Enquiry.city_id == filters.city_id)
    if filters.coordinator_id is not None:
        conditions.append(Enquiry.assignee_id == filters.coordinator_id)
    if filters.channel or filters.operator_id is not None:
        source = source.join(Call.__table__, Call.id == Enquiry.call_id)
        if filters.channel:
            conditions.append(Call.channel == CallChannel(filters.channel))
        if filters.operator_id is not None:
            conditions.append(Call.operator_id == filters.operator_id)
    return source, conditions


def open_at(at: datetime) -> list:
    """Conditions: the enquiry was open at `at` (created, not cancelled, not answered then)."""
    answered_then = and_(
        Enquiry.answered_at.is_not(None), Enquiry.answered_at < at,
        or_(Enquiry.reopened_at.is_(None), Enquiry.reopened_at < Enquiry.answered_at,
            Enquiry.reopened_at >= at),
    )
    return [
        Enquiry.created_at < at,
        or_(and_(Enquiry.cancelled_at.is_(None), Enquiry.status != EnquiryStatus.CANCELLED),
            Enquiry.cancelled_at >= at),
        not_(answered_then),
        # Implied by the line above; written so the indexes on answered_at and reopened_at find
        # the few candidates instead of a scan of every enquiry created before `at`.
        or_(Enquiry.answered_at.is_(None), Enquiry.answered_at >= at, Enquiry.reopened_at.is_not(None)),
    ]


def open_at_branches(at: datetime) -> list[list]:
    """`open_at(at)` as three disjoint sets of conditions, split by answered_at, each with one
    narrow way in for an index: never answered (answered_at IS NULL), answered only after `at`
    (answered_at >= `at`), and answered before `at` but reopened since, before `at`
    (reopened_at < `at`: not answered then, as answered_at is the latest answer). Together they
    hold exactly the rows of `open_at(at)` (tests/test_stats.py checks it); the ranges that cover
    nearly every enquiry (created_at < `at`, answered_at < `at`) are kept from the planner."""
    alive = [
        not_indexed(Enquiry.created_at) < at,
        or_(and_(Enquiry.cancelled_at.is_(None), Enquiry.status != EnquiryStatus.CANCELLED),
            Enquiry.cancelled_at >= at),
    ]
    return [
        [*alive, Enquiry.answered_at.is_(None)],
        [*alive, Enquiry.answered_at >= at],
        [*alive, not_indexed(Enquiry.answered_at) < at, Enquiry.reopened_at < at,
         Enquiry.reopened_at >= Enquiry.answered_at],
    ]


def open_figures(filters: Filters, at: datetime) -> dict:
    """Open and overdue at `at`, backlog aging and open per coordinator, in one statement: the
    same grouped query over each branch of `open_at_branches` (disjoint, so the rows add up),
    joined by UNION ALL. The aging bucket edges are instants found with the business calendar,
    so the grouping itself is a CASE over created_at in SQL."""
    source, base = enquiry_source(filters)
    edges = age_edges(at)
    bucket = case(
        (Enquiry.created_at > edges[0], AGE_BUCKETS[0]),
        (Enquiry.created_at > edges[1], AGE_BUCKETS[1]),
        (Enquiry.created_at > edges[2], AGE_BUCKETS[2]),
        else_=AGE_BUCKETS[3],
    )
    overdue = func.sum(case((Enquiry.due_at < at, 1), else_=0))
    result = {"open": 0, "overdue": 0, "aging": {name: 0 for name in AGE_BUCKETS}, "by_assignee": {}}
    # Without table statistics SQLite would walk ix_enquiry_assignee_status for the GROUP BY order
    # (a scan of every enquiry) rather than the few rows of the branch's own index: `+assignee_id`.
    assignee = not_indexed(Enquiry.assignee_id)
    branches = [select(assignee, bucket, func.count(), overdue).select_from(source)
                .where(*base, *conditions).group_by(assignee, bucket) for conditions in open_at_branches(at)]
    for assignee_id, name, n, late in db.session.execute(union_all(*branches)).all():
        result["open"] += n
        result["overdue"] += late or 0
        result["aging"][name] += n
        if assignee_id is not None:
            result["by_assignee"][assignee_id] = result["by_assignee"].get(assignee_id, 0) + n
    return result


def age_edges(at: datetime) -> list[datetime]:
    """The instants before which an enquiry open at `at` is at least 1, 3 and 10 business days old."""
    calendar = business_calendar()
    return [calendar.subtract_business_hours(at, days * calendar.hours_per_day) for days in (1, 3, 10)]


def never_used(at: datetime, filters: Filters) -> list[int]:
    never_where = [FaqEntry.status == FaqStatus.PUBLISHED,
                   ~exists().where(FaqUse.entry_id == FaqEntry.id, FaqUse.used_at < at)]
    if filters.topic_id is not None:
        never_where.append(FaqEntry.topic_id == filters.topic_id)
    return list(db.session.execute(select(FaqEntry.id).where(*never_where).order_by(FaqEntry.id)).scalars())
