"""The daily rollup that makes the statistics fast at scale.

For every closed Perm-local day, `stats_cube` holds each fact's additive measures grouped by one
dimension, with no filter and under each single filter (topic, city, channel, operator,
coordinator); `stats_sample` holds the values percentiles are taken from, with a value bucket.
A request sums the cube rows of the served days and runs the very same grouped SELECTs over the
raw rows of the other days (today, days never built, days changed since their build), so a
figure has one definition: the SELECTs in this module, used both to build and to read live.

Facts are keyed by the date of their own event, so a late answer lands on the day it is given:
- call (call.started_at): n calls, m1 answered, m2 routed, m3 info, m4 dropped, m5 calls with an
  end time, m6 answered calls a FAQ entry helped, total = handle seconds of the calls with an end;
- created (enquiry.created_at): n created, m1 cancelled;
- assigned (enquiry.assigned_at, with an assignee): n, by coordinator;
- answered (enquiry.answered_at, status answered or closed): n, m1 on time, m2 with business
  seconds, total = their sum;
- faq (faq_use.used_at): n uses, by entry;
- histograms (gdim "b") of time to assign (created) and time to answer (answered) by bucket.

Invalidation: every change made through the session to a call, an enquiry or a FAQ use (unit of
work, or bulk UPDATE / DELETE / INSERT statements through `Session.execute`) bumps the version of
every day the row is counted on, before and after the change (`_mark_*` below). The bulk history
writer (import, generator) rebuilds the closed days it wrote at the end of its transaction."""
from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable

from flask import current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import (
    String, and_, case, cast, delete, event, exists, false, func, insert, literal_column, or_, select, update,
)

from ..extensions import db
from ..models import (
    Call, CallChannel, CallOutcome, Enquiry, EnquiryStatus, FaqUse, StatsCube, StatsDay, StatsSample, utcnow,
)
from ..timefmt import local_zone
from .period import Period, today_local
from .sql import as_date, dialect, local_day, local_hour, local_weekday, not_indexed, seconds_between

log = logging.getLogger(__name__)

FILTER_DIMS = ("topic", "city", "channel", "operator", "coordinator")
ANSWERED_STATUSES = (EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED)
MEASURES = ("n", "m1", "m2", "m3", "m4", "m5", "m6", "total")
GDIMS = {
    "call": ("", "wh", "topic", "city", "channel", "operator", "outcome"),
    "created": ("",),
    "assigned": ("coordinator",),
    "answered": ("", "coordinator"),
    "faq": ("entry",),
}
HISTOGRAMS = {"assign": "created", "answer": "answered"}  # sample kind → the fact it belongs to
CHUNK_DAYS = 31
RANK_READ_DAYS = 120  # served days from which coordinator medians read ranks instead of histograms
ROLLUP_JOB = "hotline.jobs.stats_rollup"
# Value buckets: 10 % wide from a millisecond up; bucket 0 holds negative values.
BUCKET_EDGES = (0.0,) + tuple(0.001 * 1.1 ** i for i in range(330))


def bucket_of(value: float) -> int:
    return bisect_right(BUCKET_EDGES, value)


# --- the facts: one definition for building and for reading live ----------------------------


def _as_text(expr):
    return func.coalesce(cast(expr, String), "")


def _is(outcome: CallOutcome):
    return func.sum(case((Call.outcome == outcome, 1), else_=0))


def handle_seconds():
    return seconds_between(Call.started_at, Call.ended_at)


def on_time():
    return case((Enquiry.answered_at <= Enquiry.due_at, 1), else_=0)


def answered_status():
    """Status answered or closed; never the way in (the answered_at range is: see `not_indexed`)."""
    return not_indexed(Enquiry.status).in_(ANSWERED_STATUSES)


def _zero():
    return literal_column("0")


@dataclass
class FactQuery:
    source: object
    column: object  # the instant that dates the event
    conditions: list
    fexpr: object | None
    gexpr: object | None
    measures: dict  # MEASURES name → aggregate; the missing ones are 0


def _weekday_hour(column, at):
    return ((local_weekday(column, at) + 6) % 7) * 24 + local_hour(column, at)  # Monday first


def _call_fact(fdim: str, gdim: str, when, at) -> FactQuery:
    source = Call.__table__
    if fdim == "coordinator":
        # The calls whose enquiry the coordinator holds (once per call and coordinator).
        pairs = (select(Enquiry.call_id.label("call_id"), Enquiry.assignee_id.label("coordinator_id"))
                 .where(Enquiry.assignee_id.is_not(None), Enquiry.call_id.in_(select(Call.id).where(when)))
                 .group_by(Enquiry.call_id, Enquiry.assignee_id).subquery())
        source = source.join(pairs, pairs.c.call_id == Call.id)
        fexpr = pairs.c.coordinator_id
    else:
        fexpr = {"": None, "topic": Call.topic_id, "city": Call.city_id, "channel": Call.channel,
                 "operator": Call.operator_id}[fdim]
    gexpr = {"": None, "wh": None, "topic": Call.topic_id, "city": Call.city_id, "channel": Call.channel,
             "operator": Call.operator_id, "outcome": Call.outcome}[gdim]
    if gdim == "wh":
        gexpr = _weekday_hour(Call.started_at, at)
    has_end = Call.ended_at.is_not(None)
    assisted = and_(Call.outcome == CallOutcome.ANSWERED, exists().where(FaqUse.call_id == Call.id))
    measures = dict(zip(MEASURES, [
        func.count(), _is(CallOutcome.ANSWERED), _is(CallOutcome.ROUTED), _is(CallOutcome.INFO),
        _is(CallOutcome.DROPPED), func.sum(case((has_end, 1), else_=0)), func.sum(case((assisted, 1), else_=0)),
        func.sum(case((has_end, handle_seconds()), else_=0.0))]))
    return FactQuery(source, Call.started_at, [when], fexpr, gexpr, measures)


def _enquiry_dims(fdim: str):
    """The enquiry source and the filter column (channel and operator through the call)."""
    source = Enquiry.__table__
    if fdim in ("channel", "operator"):
        source = source.join(Call.__table__, Call.id == Enquiry.call_id)
    fexpr = {"": None, "topic": Enquiry.topic_id, "city": Enquiry.city_id, "channel": Call.channel,
             "operator": Call.operator_id, "coordinator": Enquiry.assignee_id}[fdim]
    return source, fexpr


def _created_fact(fdim, gdim, when, at) -> FactQuery:
    source, fexpr = _enquiry_dims(fdim)
    cancelled = func.sum(case((Enquiry.status == EnquiryStatus.CANCELLED, 1), else_=0))
    return FactQuery(source, Enquiry.created_at, [when], fexpr, None, {"n": func.count(), "m1": cancelled})


def _assigned_fact(fdim, gdim, when, at) -> FactQuery:
    source, fexpr = _enquiry_dims(fdim)
    return FactQuery(source, Enquiry.assigned_at, [when, Enquiry.assignee_id.is_not(None)], fexpr,
                     Enquiry.assignee_id, {"n": func.count()})


def _answered_fact(fdim, gdim, when, at) -> FactQuery:
    source, fexpr = _enquiry_dims(fdim)
    seconds = Enquiry.answer_business_seconds
    return FactQuery(source, Enquiry.answered_at, [when, answered_status()], fexpr,
                     Enquiry.assignee_id if gdim == "coordinator" else None,
                     {"n": func.count(), "m1": func.sum(on_time()), "m2": func.count(seconds),
                      "total": func.coalesce(func.sum(seconds), 0.0)})


def _faq_fact(fdim, gdim, when, at) -> FactQuery:
    source = FaqUse.__table__
    if fdim == "coordinator":
        pairs = (select(Enquiry.call_id.label("call_id"), Enquiry.assignee_id.label("coordinator_id"))
                 .where(Enquiry.assignee_id.is_not(None),
                        Enquiry.call_id.in_(select(FaqUse.call_id).where(when)))
                 .group_by(Enquiry.call_id, Enquiry.assignee_id).subquery())
        source = source.join(pairs, pairs.c.call_id == FaqUse.call_id)
        fexpr = pairs.c.coordinator_id
    elif fdim:
        source = source.join(Call.__table__, Call.id == FaqUse.call_id)
        fexpr = {"topic": Call.topic_id, "city": Call.city_id, "channel": Call.channel,
                 "operator": Call.operator_id}[fdim]
    else:
        fexpr = None
    return FactQuery(source, FaqUse.used_at, [when], fexpr, FaqUse.entry_id, {"n": func.count()})


FACTS = {"call": (_call_fact, Call.started_at), "created": (_created_fact, Enquiry.created_at),
         "assigned": (_assigned_fact, Enquiry.assigned_at), "answered": (_answered_fact, Enquiry.answered_at),
         "faq": (_faq_fact, FaqUse.used_at)}


def _instants(ranges: list[tuple[date, date]]) -> list[tuple[datetime, datetime]]:
    return [Period(lo, hi).bounds() for lo, hi in ranges]


def _in_ranges(column, ranges: list[tuple[date, date]]):
    if not ranges:
        return false()
    return or_(*[and_(column >= lo, column < hi) for lo, hi in _instants(ranges)])


def fact_select(fact: str, fdim: str, gdim: str, ranges: list[tuple[date, date]], fval: str | None = None):
    """SELECT day, fval, gval, n, m1 … m6, total for `fact` on the days of `ranges`, grouped by
    day, the filter column `fdim` (or only the rows where it equals `fval`) and the group `gdim`."""
    build, column = FACTS[fact]
    at = _instants(ranges)[0][0] if ranges else utcnow()
    q = build(fdim, gdim, _in_ranges(column, ranges), at)
    day = local_day(q.column, at)
    fv = _as_text(q.fexpr) if q.fexpr is not None else literal_column("''")
    gv = _as_text(q.gexpr) if q.gexpr is not None else literal_column("''")
    conditions = list(q.conditions)
    group = [day]
    if q.fexpr is not None:
        conditions.append(q.fexpr.is_not(None))
        group.append(fv)
        if fval is not None:
            conditions.append(fv == fval)
    if q.gexpr is not None:
        group.append(gv)
    labels = [q.measures.get(name, _zero()).label(name) for name in MEASURES]
    return (select(day.label("day"), fv.label("fval"), gv.label("gval"), *labels)
            .select_from(q.source).where(*conditions).group_by(*group))


# --- samples: the values percentiles are taken from --------------------------------------------


def _sample_select(kind: str, ranges: list[tuple[date, date]]):
    at = _instants(ranges)[0][0] if ranges else utcnow()
    if kind == "assign":
        value, column = seconds_between(Enquiry.created_at, Enquiry.assigned_at), Enquiry.created_at
        conditions = [_in_ranges(column, ranges), Enquiry.assigned_at.is_not(None)]
    else:
        value, column = Enquiry.answer_business_seconds, Enquiry.answered_at
        conditions = [_in_ranges(column, ranges), answered_status(), value.is_not(None)]
    source = Enquiry.__table__.outerjoin(Call.__table__, Call.id == Enquiry.call_id)
    return select(value.label("value"), local_day(column, at).label("day"), Enquiry.topic_id, Enquiry.city_id,
                  Call.channel, Call.operator_id, Enquiry.assignee_id.label("coordinator_id")
                  ).select_from(source).where(*conditions)


SAMPLE_FILTER_COLUMNS = {"topic": "topic_id", "city": "city_id", "channel": "channel", "operator": "operator_id",
                         "coordinator": "coordinator_id"}


def sample_rows(kind: str, ranges: list[tuple[date, date]], fdim: str = "", fval: str | None = None) -> list[dict]:
    if not ranges:
        return []
    rows = []
    for r in db.session.execute(_sample_select(kind, ranges)).all():
        channel = r.channel.value if isinstance(r.channel, CallChannel) else r.channel
        row = {"kind": kind, "day": as_date(r.day), "value": float(r.value), "bucket": bucket_of(float(r.value)),
               "topic_id": r.topic_id, "city_id": r.city_id, "channel": channel, "operator_id": r.operator_id,
               "coordinator_id": r.coordinator_id}
        if fdim and (row[SAMPLE_FILTER_COLUMNS[fdim]] is None or str(row[SAMPLE_FILTER_COLUMNS[fdim]]) != fval):
            continue
        rows.append(row)
    return rows


# --- building --------------------------------------------------------------------------------


def _day_list(lo: date, hi: date) -> list[date]:
    return [lo + timedelta(days=i) for i in range((hi - lo).days)]


def rebuild(lo: date, hi: date) -> int:
    """Rebuild the rollup of the days [lo, hi) from the raw rows, in the current transaction.
    Returns the number of cube rows written."""
    days = _day_list(lo, hi)
    if not days:
        return 0
    versions = dict(db.session.execute(
        select(StatsDay.day, StatsDay.version).where(StatsDay.day >= lo, StatsDay.day < hi)).all())
    conn = db.session.connection()
    conn.execute(delete(StatsCube).where(StatsCube.day >= lo, StatsCube.day < hi))
    conn.execute(delete(StatsSample).where(StatsSample.day >= lo, StatsSample.day < hi))
    ranges = [(lo, hi)]
    for kind in HISTOGRAMS:
        rows = sample_rows(kind, ranges)
        for i in range(0, len(rows), 5000):
            conn.execute(insert(StatsSample), rows[i:i + 5000])
    written = 0
    columns = ["day", "fval", "gval", *MEASURES, "fact", "fdim", "gdim"]
    for fact, gdims in GDIMS.items():
        for fdim in ("", *FILTER_DIMS):
            for gdim in gdims:
                inner = fact_select(fact, fdim, gdim, ranges).subquery()
                rows = select(*inner.c, literal_column(f"'{fact}'"), literal_column(f"'{fdim}'"),
                              literal_column(f"'{gdim}'"))
                written += conn.execute(insert(StatsCube).from_select(columns, rows)).rowcount or 0
    for kind, fact in HISTOGRAMS.items():
        for fdim in ("", *FILTER_DIMS):
            fcol = getattr(StatsSample, SAMPLE_FILTER_COLUMNS[fdim]) if fdim else None
            fv = _as_text(fcol) if fcol is not None else literal_column("''")
            group = [StatsSample.day, StatsSample.bucket] + ([fv] if fcol is not None else [])
            conditions = [StatsSample.kind == kind, StatsSample.day >= lo, StatsSample.day < hi]
            if fcol is not None:
                conditions.append(fcol.is_not(None))
            for gdim, extra in (("b", []), ("cb", [StatsSample.coordinator_id])):
                if gdim == "cb" and kind != "answer":
                    continue
                gval = _as_text(StatsSample.bucket) if gdim == "b" else (
                    _as_text(StatsSample.coordinator_id) + ":" + _as_text(StatsSample.bucket))
                where = conditions + ([StatsSample.coordinator_id.is_not(None)] if extra else [])
                rows = (select(StatsSample.day, fv, gval, func.count(), *[_zero()] * 6, literal_column("0.0"),
                               literal_column(f"'{fact}'"), literal_column(f"'{fdim}'"), literal_column(f"'{gdim}'"))
                        .where(*where).group_by(*group, *extra))
                written += conn.execute(insert(StatsCube).from_select(columns, rows)).rowcount or 0
    now = utcnow()
    for day in days:
        if day in versions:
            conn.execute(update(StatsDay).where(StatsDay.day == day)
                         .values(built_version=versions[day], built_at=now))
        else:
            conn.execute(insert(StatsDay).values(day=day, version=0, built_version=0, built_at=now))
    return written


def rebuild_range(lo: date, hi: date, commit: bool = False, progress=None) -> int:
    """Rebuild [lo, hi) in chunks of CHUNK_DAYS (committing after each when asked)."""
    hi = min(hi, today_local())  # only closed days are rolled up; today is always read live
    written = 0
    chunk = lo
    while chunk < hi:
        end = min(hi, chunk + timedelta(days=CHUNK_DAYS))
        written += rebuild(chunk, end)
        if commit:
            db.session.commit()
        if progress:
            progress(chunk, end)
        chunk = end
    return written


def pending_days(limit_days: int = 3 * 366 + 31) -> list[date]:
    """Closed days that need a build: dirty ones, and the days since the first call (at most
    `limit_days` back) never built."""
    today = today_local()
    first = db.session.execute(select(func.min(Call.started_at))).scalar()
    if first is None:
        return []
    first_day = max(first.astimezone(local_zone()).date() - timedelta(days=1), today - timedelta(days=limit_days))
    state = dict(db.session.execute(
        select(StatsDay.day, StatsDay.version == StatsDay.built_version).where(StatsDay.day >= first_day)).all())
    state = {as_date(day): built for day, built in state.items()}
    return [day for day in _day_list(first_day, today) if not state.get(day)]


def ranges_of(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days as [lo, hi) ranges of consecutive days."""
    result: list[list[date]] = []
    for day in sorted(set(days)):
        if result and result[-1][1] == day:
            result[-1][1] = day + timedelta(days=1)
        else:
            result.append([day, day + timedelta(days=1)])
    return [(lo, hi) for lo, hi in result]


def rebuild_pending(commit: bool = True, budget_seconds: float | None = None) -> int:
    """Build what `pending_days` lists, oldest first; stops after `budget_seconds`."""
    import time

    started = time.monotonic()
    built = 0
    for lo, hi in ranges_of(pending_days()):
        chunk = lo
        while chunk < hi:
            end = min(hi, chunk + timedelta(days=CHUNK_DAYS))
            rebuild(chunk, end)
            if commit:
                db.session.commit()
            built += (end - chunk).days
            chunk = end
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                return built
    return built


def schedule_rollup(now: datetime | None = None) -> None:
    """Schedule the next rollup run on RQ's scheduler, one job per time slot (deterministic id)."""
    from ..queue import enqueue_unless_waiting

    interval = max(60, int(current_app.config.get("STATS_ROLLUP_INTERVAL_SECONDS", 600)))
    now = now or utcnow()
    slot = int(now.timestamp() // interval) + 1
    at = datetime.fromtimestamp(slot * interval, tz=now.tzinfo)
    enqueue_unless_waiting(ROLLUP_JOB, job_id=f"stats-rollup-{slot}", at=at, result_ttl=0, failure_ttl=86400,
                           job_timeout=3600)


# --- reading ---------------------------------------------------------------------------------


class CubeReader:
    """The rollup of one period under no filter or one filter: cube rows of the served days
    plus the same SELECTs over the raw rows of the live days."""

    def __init__(self, period: Period, fdim: str = "", fval: str = ""):
        self.period, self.fdim, self.fval = period, fdim, fval
        today = today_local()
        served_until = min(period.end, today)
        built = set()
        if period.start < served_until:
            built = {as_date(d) for d in db.session.execute(
                select(StatsDay.day).where(StatsDay.day >= period.start, StatsDay.day < served_until,
                                           StatsDay.built_version == StatsDay.version)).scalars()}
        days = period.day_list()
        self.served = ranges_of(d for d in days if d in built)
        self.live = ranges_of(d for d in days if d not in built)

    def _served_condition(self, column):
        if not self.served:
            return false()
        return or_(*[and_(column >= lo, column < hi) for lo, hi in self.served])

    def rows(self, fact: str, gdim: str, by_day: bool = False) -> dict:
        """{gval: [n, m1 … m6, total]} (with by_day: {(day, gval): …}) for the period."""
        result: dict = {}

        def add(key, values):
            bucket = result.setdefault(key, [0] * 7 + [0.0])
            for i, v in enumerate(values):
                bucket[i] += v or 0

        if self.served:
            # Histograms (b, cb) hold counts only: summing the other measures too made PostgreSQL's
            # sort of a year's per-coordinator rows twice as large (spilled to disk).
            measures = MEASURES[:1] if gdim in ("b", "cb") else MEASURES
            sums = [func.sum(getattr(StatsCube, name)) for name in measures]
            keys = [StatsCube.day, StatsCube.gval] if by_day else [StatsCube.gval]
            q = (select(*keys, *sums).where(StatsCube.fact == fact, StatsCube.fdim == self.fdim,
                                             StatsCube.fval == self.fval, StatsCube.gdim == gdim,
                                             self._served_condition(StatsCube.day)).group_by(*keys))
            for row in db.session.execute(q).all():
                key = (as_date(row[0]), row[1]) if by_day else row[0]
                add(key, row[len(keys):])
        if self.live and gdim not in ("b", "cb"):
            q = fact_select(fact, self.fdim, gdim, self.live, self.fval if self.fdim else None)
            for row in db.session.execute(q).all():
                key = (as_date(row.day), row.gval) if by_day else row.gval
                add(key, [getattr(row, name) for name in MEASURES])
        return result

    def live_samples(self, kind: str) -> list[dict]:
        if not hasattr(self, "_samples"):
            self._samples = {}
        if kind not in self._samples:
            self._samples[kind] = sample_rows(kind, self.live, self.fdim, self.fval)
        return self._samples[kind]

    def histogram(self, kind: str, coordinator: bool = False) -> dict:
        """{bucket: n} (or {coordinator_id: {bucket: n}}) over the period."""
        fact = HISTOGRAMS[kind]
        hist: dict = {}
        for gval, values in self.rows(fact, "cb" if coordinator else "b").items():
            if coordinator:
                user, bucket = gval.split(":")
                target = hist.setdefault(int(user), {})
                target[int(bucket)] = target.get(int(bucket), 0) + values[0]
            else:
                hist[int(gval)] = hist.get(int(gval), 0) + values[0]
        for row in self.live_samples(kind):
            if coordinator:
                if row["coordinator_id"] is None:
                    continue
                target = hist.setdefault(row["coordinator_id"], {})
            else:
                target = hist
            target[row["bucket"]] = target.get(row["bucket"], 0) + 1
        return hist

    def _bucket_values(self, kind: str, bucket: int, coordinator_id: int | None = None) -> list[float]:
        values = []
        if self.served:
            conditions = [StatsSample.kind == kind, self._served_condition(StatsSample.day)]
            if self.fdim:
                conditions.append(_as_text(getattr(StatsSample, SAMPLE_FILTER_COLUMNS[self.fdim])) == self.fval)
            if coordinator_id is None:
                conditions.append(StatsSample.bucket == bucket)
            else:
                # One coordinator: the bucket as its value range (the very rows: bucket_of placed
                # them by these edges), so ix_stats_sample_coordinator reads just them instead of
                # ix_stats_sample_bucket reading the bucket of every coordinator.
                conditions.append(StatsSample.coordinator_id == coordinator_id)
                if bucket > 0:
                    conditions.append(StatsSample.value >= BUCKET_EDGES[bucket - 1])
                if bucket < len(BUCKET_EDGES):
                    conditions.append(StatsSample.value < BUCKET_EDGES[bucket])
            values = [float(v) for v in db.session.execute(select(StatsSample.value).where(*conditions)).scalars()]
        values += [row["value"] for row in self.live_samples(kind) if row["bucket"] == bucket
                   and (coordinator_id is None or row["coordinator_id"] == coordinator_id)]
        return sorted(values)

    def percentiles(self, kind: str, pcts: tuple[int, ...] = (50, 90)) -> dict:
        return self._percentiles(kind, self.histogram(kind), pcts)

    def coordinator_percentiles(self, kind: str, pcts: tuple[int, ...] = (50,)) -> dict:
        """{coordinator_id: {pct: value}} of time to answer, nearest rank. The count per
        coordinator is the answered fact's m2 (answers with business seconds: the very rows of
        the answer samples); each rank is then read in value order from the coordinator's
        samples (ix_stats_sample_coordinator), merged with the live days' few values. Reading
        the per-coordinator histogram of a year took most of a 365-day request. Over a short
        period, or under a filter (the walk in value order skips the other days, or the rows
        the filter leaves out), the histogram is the cheaper way; on PostgreSQL too (measured at
        365 days: ranks ~790 ms, histogram ~190 ms; SQLite: ranks ~40 ms, histogram ~160 ms).
        Both ways give the same values."""
        from .sql import rank_for

        if (kind != "answer" or self.fdim or dialect() != "sqlite"
                or sum((hi - lo).days for lo, hi in self.served) < RANK_READ_DAYS):
            return {user: self._percentiles(kind, hist, pcts, user)
                    for user, hist in self.histogram(kind, coordinator=True).items()}
        counts = {int(g): int(v[2]) for g, v in self.rows(HISTOGRAMS[kind], "coordinator").items() if g and v[2]}
        live: dict[int, list[float]] = {}
        for row in self.live_samples(kind):
            if row["coordinator_id"] is not None:
                live.setdefault(row["coordinator_id"], []).append(row["value"])
        result = {}
        for user, n in counts.items():
            mine = sorted(live.get(user, []))
            result[user] = {pct: self._rank_value(kind, user, rank_for(pct, n), mine) for pct in pcts}
        return result

    def _rank_value(self, kind: str, coordinator_id: int, rank: int, live: list[float]) -> float | None:
        """The value at `rank` (1-based) of the coordinator's served samples and `live` (sorted)
        together. At most len(live) live values come before it, so the served values below rank
        `rank - len(live) - 1` all do too: only the served ranks from there to `rank` are read."""
        skip = max(0, rank - len(live) - 1)
        served: list[float] = []
        if self.served:
            conditions = [StatsSample.kind == kind, StatsSample.coordinator_id == coordinator_id,
                          self._served_condition(StatsSample.day)]
            if self.fdim:
                conditions.append(_as_text(getattr(StatsSample, SAMPLE_FILTER_COLUMNS[self.fdim])) == self.fval)
            served = [float(v) for v in db.session.execute(
                select(StatsSample.value).where(*conditions).order_by(StatsSample.value)
                .offset(skip).limit(rank - skip)).scalars()]
        merged = sorted(served + live)
        return merged[rank - skip - 1] if rank - skip - 1 < len(merged) else None

    def _percentiles(self, kind, hist, pcts, coordinator_id=None) -> dict:
        """Nearest-rank percentiles: the bucket holding the rank from the histogram, then the
        values of that bucket alone, sorted."""
        from .sql import rank_for

        n = sum(hist.values())
        result = {pct: None for pct in pcts}
        if not n:
            return result
        cache: dict[int, list[float]] = {}
        for pct in pcts:
            rank = rank_for(pct, n)
            seen = 0
            for bucket in sorted(hist):
                if seen + hist[bucket] >= rank:
                    if bucket not in cache:
                        cache[bucket] = self._bucket_values(kind, bucket, coordinator_id)
                    result[pct] = cache[bucket][rank - seen - 1]
                    break
                seen += hist[bucket]
        return result


# --- invalidation ----------------------------------------------------------------------------


def _local(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(local_zone()).date()


def days_of(call_ids: Iterable[int] = (), enquiry_ids: Iterable[int] = (), use_ids: Iterable[int] = ()) -> set[date]:
    """Every day the rows are counted on: a call's day and its enquiries' and FAQ uses' days; an
    enquiry's created / assigned / answered days and its call's; a FAQ use's day and its call's."""
    call_ids, enquiry_ids, use_ids = set(call_ids), set(enquiry_ids), set(use_ids)
    conn = db.session.connection()
    days: set[date] = set()
    if use_ids:
        for used_at, call_id in conn.execute(select(FaqUse.used_at, FaqUse.call_id).where(FaqUse.id.in_(use_ids))):
            days.add(_local(used_at))
            if call_id is not None:
                call_ids.add(call_id)
    enquiry_cols = (Enquiry.created_at, Enquiry.assigned_at, Enquiry.answered_at, Enquiry.call_id)
    if enquiry_ids:
        for *moments, call_id in conn.execute(select(*enquiry_cols).where(Enquiry.id.in_(enquiry_ids))):
            days.update(_local(m) for m in moments)
            if call_id is not None:
                call_ids.add(call_id)
    if call_ids:
        days.update(_local(m) for m in conn.execute(select(Call.started_at).where(Call.id.in_(call_ids))).scalars())
        for *moments, _call in conn.execute(select(*enquiry_cols).where(Enquiry.call_id.in_(call_ids))):
            days.update(_local(m) for m in moments)
        days.update(_local(m) for m in conn.execute(
            select(FaqUse.used_at).where(FaqUse.call_id.in_(call_ids))).scalars())
    days.discard(None)
    return days


def mark_dirty(days: Iterable[date]) -> None:
    """Bump the version of these days (only built days have a row; the others are live anyway).
    Today and later are never built, so the usual case — a change to today's facts — costs nothing."""
    today = today_local()
    days = sorted({day for day in days if day is not None and day < today})
    if days:
        db.session.connection().execute(
            update(StatsDay).where(StatsDay.day.in_(days)).values(version=StatsDay.version + 1))


_WATCHED = {
    Call: {"started_at", "ended_at", "topic_id", "city_id", "channel", "operator_id", "outcome"},
    Enquiry: {"created_at", "assigned_at", "answered_at", "status", "assignee_id", "topic_id", "city_id",
              "due_at", "answer_business_seconds", "call_id", "reopened_at", "cancelled_at"},
    FaqUse: {"used_at", "call_id", "entry_id"},
}


def _changed(obj) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _WATCHED[type(obj)])


def _collect(objects) -> tuple[set, set, set]:
    calls, enquiries, uses = set(), set(), set()
    for obj in objects:
        target = {Call: calls, Enquiry: enquiries, FaqUse: uses}.get(type(obj))
        if target is not None and obj.id is not None:
            target.add(obj.id)
    return calls, enquiries, uses


@event.listens_for(Session, "before_flush")
def _mark_before_flush(session, flush_context, instances) -> None:
    changed = [obj for obj in session.dirty if type(obj) in _WATCHED and _changed(obj)]
    deleted = [obj for obj in session.deleted if type(obj) in _WATCHED]
    if not changed and not deleted:
        return
    calls, enquiries, uses = _collect(changed + deleted)
    mark_dirty(days_of(calls, enquiries, uses))  # where they were counted before the change
    session.info["stats.changed"] = _collect(changed)


@event.listens_for(Session, "after_flush")
def _mark_after_flush(session, flush_context) -> None:
    changed = session.info.pop("stats.changed", (set(), set(), set()))
    calls, enquiries, uses = _collect(obj for obj in session.new if type(obj) in _WATCHED)
    calls |= changed[0]
    enquiries |= changed[1]
    uses |= changed[2]
    if calls or enquiries or uses:
        mark_dirty(days_of(calls, enquiries, uses))  # where they are counted now


_TABLES = {Call.__table__.name: "call", Enquiry.__table__.name: "enquiry", FaqUse.__table__.name: "use"}


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_statements(state):
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    table = getattr(state.statement, "table", None)
    kind = _TABLES.get(getattr(table, "name", None))
    if kind is None:
        return None
    session = state.session

    def by_kind(ids):
        ids = set(ids)
        return days_of(ids if kind == "call" else (), ids if kind == "enquiry" else (), ids if kind == "use" else ())

    if state.is_insert:
        result = state.invoke_statement()
        params = state.parameters
        rows = params if isinstance(params, list) else [params or {}]
        days, call_ids = set(), set()
        for row in rows:
            for name in ("started_at", "created_at", "assigned_at", "answered_at", "used_at"):
                if isinstance(row.get(name), datetime):
                    days.add(_local(row[name]))
            if kind != "call" and row.get("call_id") is not None:
                call_ids.add(row["call_id"])
        days |= days_of(call_ids)
        days.discard(None)
        mark_dirty(days)
        return result
    where = state.statement.whereclause
    ids = list(session.connection().execute(
        select(table.c.id).where(where) if where is not None else select(table.c.id)).scalars())
    if ids:
        mark_dirty(by_kind(ids))
    result = state.invoke_statement()
    if ids and state.is_update:
        after = _days_after_update(state.statement)
        mark_dirty(by_kind(ids) if after is None else after)
    return result


# The columns that decide which days a row counts on.
_DAY_COLUMNS = {"started_at", "created_at", "assigned_at", "answered_at", "used_at", "call_id"}


def _days_after_update(statement) -> set[date] | None:
    """The days an UPDATE moves its rows to, when the statement itself says so: none if it sets
    no day-deciding column, the days of the literal values it sets; None when only the rows can
    tell (an expression, or a new call_id), and they must be read again."""
    values = {getattr(column, "key", column): value
              for column, value in (getattr(statement, "_values", None) or {}).items()}
    days: set[date] = set()
    for name in _DAY_COLUMNS & set(values):
        value = values[name]
        literal = getattr(value, "value", None) if hasattr(value, "value") else None
        if name == "call_id" or not isinstance(literal, datetime):
            if name != "call_id" and getattr(value, "value", 0) is None:
                continue  # set to NULL: the row stops counting on a day; the before-pass marked it
            return None
        days.add(_local(literal))
    return days
