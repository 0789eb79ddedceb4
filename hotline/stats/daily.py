"""Keeping the statistics tables (hotline/models/stats.py) current: the refresh job reads the
change log the database triggers write, computes each noted Perm-local day again from the raw
rows (all its rows, in Python: a day is small), sums the day rows of its month, and deletes the
log rows it read. It runs every STATS_REFRESH_SECONDS (60 by default), so today's figures are at
most a minute old.

Percentiles come from buckets 2 % wide (`bucket_of`): the value reported for a bucket is its
middle, within 1 % of every value in it, so a percentile is within 1 % of the exact nearest-rank
value (and within 0.01 ms below a millisecond)."""
from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from itertools import product
from datetime import date, datetime, time, timedelta, timezone

import click
from flask import current_app
from sqlalchemy import Date, delete, func, insert, literal, select, text

from ..enquiries.appeals import REGISTRATION_DAYS
from ..extensions import db
from ..models import (
    DIMENSIONS, GRAINS, HOURS, Call, CallChannel, CallDay, CallOutcome, DurationDay, Enquiry, EnquiryDay, EnquiryStatus,
    FaqDay, FaqUse, StatsChange, utcnow,
)
from ..queue import enqueue_unless_waiting
from ..timefmt import local_zone
from .period import Period, next_month

TABLES = (CallDay, EnquiryDay, DurationDay, FaqDay)
KEYS = {CallDay: (), EnquiryDay: (), DurationDay: ("measure", "bucket"), FaqDay: ("entry_id", "kind")}
ANSWERED = EnquiryStatus.answered_values()
DAY_GRAINS = [day for day, _month in GRAINS]
KEPT = [(day, tuple(name in by for name in DIMENSIONS)) for (day, _month), by in GRAINS.items()]
RATIO, FLOOR = 1.02, 0.001  # bucket edges FLOOR·(RATIO^b − 1) seconds
REFRESH_JOB = "hotline.jobs.stats_refresh"
ENQUIRY_COLUMNS = [getattr(Enquiry, name) for name in (
    "topic_id", "city_id", "assignee_id", "status", "due_at", "formal_appeal", "legal_due_at", "created_at",
    "assigned_at", "answered_at", "answer_business_seconds", "first_response_at", "first_response_due_at",
    "first_response_business_seconds", "registered_at")]


def measures(model) -> list[str]:
    skip = {"id", "grain", "day", *DIMENSIONS, *KEYS[model]}
    return [column.key for column in model.__table__.columns if column.key not in skip]


def bucket_of(seconds: float) -> int:
    return int(math.log(1 + max(0.0, seconds) / FLOOR, RATIO))


def bucket_value(bucket: int) -> float:
    return FLOOR * ((RATIO ** bucket + RATIO ** (bucket + 1)) / 2 - 1)


def local_day(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


class _Day:
    """The rows of one day being computed: {(table, dimensions, keys): {measure: sum}}."""

    def __init__(self, day: date):
        self.day = day
        self.rows: dict = defaultdict(lambda: defaultdict(int))

    def add(self, model, dims: tuple, keys: tuple = (), **values) -> None:
        for grain, kept in KEPT:
            row = self.rows[(grain, model, tuple(v if keep else None for v, keep in zip(dims, kept)), keys)]
            for name, value in values.items():
                row[name] += value

    def insert(self) -> None:
        by_model = defaultdict(list)
        for (grain, model, dims, keys), values in self.rows.items():
            by_model[model].append({"grain": grain, "day": self.day, **dict(zip(DIMENSIONS, dims)),
                                    **dict(zip(KEYS[model], keys)), **values})
        for model, rows in by_model.items():
            names = measures(model)
            db.session.execute(model.__table__.insert(), [{**{n: 0 for n in names}, **row} for row in rows])


def _calls(day: _Day, lo, hi) -> None:
    coordinator = select(Enquiry.assignee_id).where(Enquiry.call_id == Call.id).limit(1).scalar_subquery()
    helped = select(FaqUse.id).where(FaqUse.call_id == Call.id).exists()
    rows = db.session.execute(select(
        Call.started_at, Call.ended_at, Call.topic_id, Call.city_id, Call.channel, Call.operator_id, Call.outcome,
        Call.faq_match_id, coordinator, helped).where(Call.started_at >= lo, Call.started_at < hi))
    for started, ended, topic, city, channel, operator, outcome, match, coordinator_id, assisted in rows:
        dims = (topic, city, _value(channel), operator, coordinator_id)
        answered = outcome is CallOutcome.ANSWERED
        day.add(CallDay, dims, calls=1, answered=answered, routed=outcome is CallOutcome.ROUTED,
                info=outcome is CallOutcome.INFO, dropped=outcome is CallOutcome.DROPPED, ended=ended is not None,
                handle_seconds=(ended - started).total_seconds() if ended else 0.0,
                faq_assisted=answered and assisted, **{HOURS[started.astimezone(local_zone()).hour]: 1})
        if outcome is CallOutcome.ROUTED and match is not None:
            day.add(FaqDay, dims, (match, "routed_match"), n=1)


def _enquiries(day: _Day, lo, hi) -> None:
    def seconds(start, end):
        return (end - start).total_seconds()

    def on(column):  # each event on the day it happened, one narrow index range each; rows, not objects
        return [(e, e.channel, e.operator_id) for e in db.session.execute(
            select(*ENQUIRY_COLUMNS, Call.channel, Call.operator_id).outerjoin(Call, Call.id == Enquiry.call_id)
            .where(column >= lo, column < hi))]

    def add(enquiry, channel, operator, **values):
        dims = (enquiry.topic_id, enquiry.city_id, _value(channel), operator, enquiry.assignee_id)
        day.add(EnquiryDay, dims, **values)
        return dims

    for e, channel, operator in on(Enquiry.created_at):
        add(e, channel, operator, created=1, cancelled=e.status is EnquiryStatus.CANCELLED)
    for e, channel, operator in on(Enquiry.assigned_at):
        if e.assignee_id is not None:
            dims = add(e, channel, operator, assigned=1)
            day.add(DurationDay, dims, ("assign", bucket_of(seconds(e.created_at, e.assigned_at))), n=1)
    for e, channel, operator in on(Enquiry.answered_at):
        answered, formal = e.status in ANSWERED, e.formal_appeal and e.status in ANSWERED
        dims = add(e, channel, operator, answers=e.status is not EnquiryStatus.CANCELLED, answered=answered,
                   on_time=answered and e.due_at is not None and e.answered_at <= e.due_at,
                   answer_timed=answered and e.answer_business_seconds is not None,
                   answer_seconds=(e.answer_business_seconds or 0.0) if answered else 0.0,
                   appeals_answered=formal,
                   appeals_answered_in_time=formal and e.legal_due_at is not None and e.answered_at <= e.legal_due_at)
        if answered and e.answer_business_seconds is not None:
            day.add(DurationDay, dims, ("answer", bucket_of(e.answer_business_seconds)), n=1)
    for e, channel, operator in on(Enquiry.reopened_at):
        add(e, channel, operator, reopened=1)
    for e, channel, operator in on(Enquiry.first_response_at):
        dims = add(e, channel, operator, responded=1, responded_in_time=e.first_response_due_at is not None
                   and e.first_response_at <= e.first_response_due_at)
        if e.first_response_business_seconds is not None:
            day.add(DurationDay, dims, ("first_response", bucket_of(e.first_response_business_seconds)), n=1)
    for e, channel, operator in on(Enquiry.registered_at):
        if e.formal_appeal:
            add(e, channel, operator, appeals_registered=1,
                appeals_registered_in_time=seconds(e.created_at, e.registered_at) <= REGISTRATION_DAYS * 86400)
    for e, channel, operator in on(Enquiry.legal_extended_at):
        if e.formal_appeal:
            add(e, channel, operator, appeals_extended=1)


def _faq_uses(day: _Day, lo, hi) -> None:
    coordinator = select(Enquiry.assignee_id).where(Enquiry.call_id == Call.id).limit(1).scalar_subquery()
    rows = db.session.execute(
        select(FaqUse.entry_id, Call.topic_id, Call.city_id, Call.channel, Call.operator_id, coordinator)
        .outerjoin(Call, Call.id == FaqUse.call_id).where(FaqUse.used_at >= lo, FaqUse.used_at < hi))
    for entry_id, topic, city, channel, operator, coordinator_id in rows:
        day.add(FaqDay, (topic, city, _value(channel), operator, coordinator_id), (entry_id, "use"), n=1)


def compute_days(days) -> None:
    """Compute these days again, and the months they fall in, in the current transaction."""
    days = sorted(set(days))
    for model in TABLES:
        db.session.execute(delete(model).where(model.grain.in_(DAY_GRAINS), model.day.in_(days)))
    for one in days:
        day = _Day(one)
        bounds = Period(one, one + timedelta(days=1)).bounds()
        _calls(day, *bounds)
        _enquiries(day, *bounds)
        _faq_uses(day, *bounds)
        day.insert()
    for month in sorted({d.replace(day=1) for d in days}):
        end = next_month(month)
        for model, (day_grain, month_grain) in product(TABLES, GRAINS):
            group = [getattr(model, name) for name in (*DIMENSIONS, *KEYS[model])]
            sums = [func.sum(getattr(model, name)) for name in measures(model)]
            db.session.execute(delete(model).where(model.grain == month_grain, model.day == month))
            db.session.execute(insert(model).from_select(
                ["grain", "day", *DIMENSIONS, *KEYS[model], *measures(model)],
                select(literal(month_grain), literal(month, Date), *group, *sums)
                .where(model.grain == day_grain, model.day >= month, model.day < end).group_by(*group)))


def refresh(batch: int = 20_000, budget_seconds: float | None = None) -> int:
    """Compute again the days the change log names, a batch of log rows at a time, each batch in
    its own transaction. Returns the number of days computed."""
    started, computed = clock.monotonic(), 0
    while budget_seconds is None or clock.monotonic() - started < budget_seconds:
        if db.engine.dialect.name == "postgresql":  # one refresher at a time (SQLite: the write lock)
            db.session.execute(text("SELECT pg_advisory_xact_lock(7159)"))
        noted = db.session.execute(select(StatsChange.id, StatsChange.at).order_by(StatsChange.id).limit(batch)).all()
        if not noted:
            db.session.commit()
            break
        days = {local_day(at) for _id, at in noted}
        compute_days(days)
        ids = [change_id for change_id, _at in noted]
        for i in range(0, len(ids), 1000):  # exactly the rows read: a late commit's stay for the next run
            db.session.execute(delete(StatsChange).where(StatsChange.id.in_(ids[i:i + 1000])))
        db.session.commit()
        computed += len(days)
    return computed


def note_everything() -> int:
    """Put every day from the first fact to today in the change log (after an upgrade, or
    `flask stats-refresh --all`): one instant, local noon, per day."""
    columns = [Call.started_at, FaqUse.used_at, Enquiry.created_at]
    firsts = [db.session.execute(select(func.min(column))).scalar() for column in columns]
    firsts = [moment for moment in firsts if moment is not None]
    if not firsts:
        return 0
    first, last = local_day(min(firsts)), local_day(utcnow())
    noon = [datetime.combine(first + timedelta(days=i), time(12), tzinfo=local_zone()).astimezone(timezone.utc)
            for i in range((last - first).days + 1)]
    db.session.execute(insert(StatsChange), [{"at": moment} for moment in noon])
    return len(noon)


def schedule_refresh(now: datetime | None = None) -> None:
    """The next run on RQ's scheduler, one job per time slot (deterministic id)."""
    interval = max(10, int(current_app.config["STATS_REFRESH_SECONDS"]))
    now = now or utcnow()
    slot = int(now.timestamp() // interval) + 1
    enqueue_unless_waiting(REFRESH_JOB, job_id=f"stats-refresh-{slot}",
                           at=datetime.fromtimestamp(slot * interval, tz=timezone.utc),
                           result_ttl=0, failure_ttl=86400, job_timeout=3600)


@click.command("stats-refresh")
@click.option("--all", "everything", is_flag=True, help="Compute every day again, not only the changed ones.")
def stats_refresh_command(everything):
    """Bring the statistics tables up to date now (the scheduled job does it every minute)."""
    started = clock.monotonic()
    if everything:
        note_everything()
        db.session.commit()
    days = refresh()
    click.echo(f"computed {days} days again in {clock.monotonic() - started:.1f} s")
