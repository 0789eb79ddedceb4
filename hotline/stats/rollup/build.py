"""Building the rollup: the cube rows and samples of closed days from the raw rows, their sums per
closed month, the days and months that need a build, and the scheduled run."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

from flask import current_app
from sqlalchemy import Date, delete, func, insert, literal, literal_column, select, update

from ...extensions import db
from ...models import Call, StatsCube, StatsCubeMonth, StatsDay, StatsMonth, StatsSample, utcnow
from ...timefmt import local_zone
from ..period import today_local
from ..sql import as_date
from .facts import (
    FILTER_DIMS, GDIMS, HISTOGRAMS, MEASURES, SAMPLE_FILTER_COLUMNS, _as_text, _zero, fact_select, sample_rows,
)

ROLLUP_JOB = "hotline.jobs.stats_rollup"


def _day_list(lo: date, hi: date) -> list[date]:
    return [lo + timedelta(days=i) for i in range((hi - lo).days)]


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_chunks(lo: date, hi: date) -> list[tuple[date, date]]:
    """[lo, hi) cut at the starts of months: each piece lies in one month."""
    chunks = []
    while lo < hi:
        end = min(hi, next_month(lo))
        chunks.append((lo, end))
        lo = end
    return chunks


def rebuild(lo: date, hi: date) -> int:
    """Rebuild the rollup of the days [lo, hi) from the raw rows, in the current transaction.
    Returns the number of cube rows written. The months of these days are left to
    `rebuild_months` (until then the reader takes their day rows)."""
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
        # Written in bucket and value order: the few pages a percentile's bucket read touches.
        rows = sorted(sample_rows(kind, ranges), key=lambda r: (r["bucket"], r["coordinator_id"] or 0, r["value"]))
        for i in range(0, len(rows), 5000):
            conn.execute(insert(StatsSample), rows[i:i + 5000])
    written = 0
    columns = ["day", "fval", "gval", *MEASURES, "fact", "fdim", "gdim"]
    for fact, gdims in GDIMS.items():
        for fdim in ("", *FILTER_DIMS):
            for gdim in gdims:
                inner = fact_select(fact, fdim, gdim, ranges).subquery()
                rows = select(*inner.c, literal_column(f"'{fact}'"), literal_column(f"'{fdim}'"),
                              literal_column(f"'{gdim}'")).order_by(inner.c.fval, inner.c.gval, inner.c.day)
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


def rebuild_months(months: Iterable[date], now: datetime | None = None) -> int:
    """Sum the day rows of each of these months into `stats_cube_month`, in the current
    transaction, if the month is closed and every day of it built; otherwise drop its month
    rows. Returns the number of month rows written."""
    today = today_local()
    conn = db.session.connection()
    written = 0
    for month in sorted(set(months)):
        end = next_month(month)
        conn.execute(delete(StatsCubeMonth).where(StatsCubeMonth.month == month))
        conn.execute(delete(StatsMonth).where(StatsMonth.month == month))
        built, latest = conn.execute(
            select(func.count(), func.max(StatsDay.built_at))
            .where(StatsDay.day >= month, StatsDay.day < end, StatsDay.built_version.is_not(None))).one()
        if end > today or built < (end - month).days:
            continue
        keys = [StatsCube.fact, StatsCube.fdim, StatsCube.fval, StatsCube.gdim, StatsCube.gval]
        rows = (select(literal(month, Date), *keys, *[func.sum(getattr(StatsCube, name)) for name in MEASURES])
                .where(StatsCube.day >= month, StatsCube.day < end).group_by(*keys)
                .order_by(*keys))  # in the order they are read: a (fact, filter, group) on few pages
        columns = ["month", "fact", "fdim", "fval", "gdim", "gval", *MEASURES]
        written += conn.execute(insert(StatsCubeMonth).from_select(columns, rows)).rowcount or 0
        # Never before the last build of one of its days, whatever this machine's clock says.
        built_at = max(now or utcnow(), latest) if latest is not None else (now or utcnow())
        conn.execute(insert(StatsMonth).values(month=month, built_at=built_at))
    return written


def rebuild_range(lo: date, hi: date, commit: bool = False, progress=None) -> int:
    """Rebuild [lo, hi) a month at a time, each month's sums after its days (committing after
    the days and after the sums when asked; until the sums the reader takes the day rows)."""
    hi = min(hi, today_local())  # only closed days are rolled up; today is always read live
    written = 0
    for chunk, end in _month_chunks(lo, hi):
        written += rebuild(chunk, end)
        if commit:  # the days, then their month: SQLite's write lock is held for one at a time
            db.session.commit()
        rebuild_months([month_of(chunk)])
        if commit:
            db.session.commit()
        if progress:
            progress(chunk, end)
    return written


def _first_day(limit_days: int) -> date | None:
    """The first of the month of the day before the first call (at most `limit_days` back): the
    first month of history is built whole, so it is summed too."""
    first = db.session.execute(select(func.min(Call.started_at))).scalar()
    if first is None:
        return None
    return month_of(max(first.astimezone(local_zone()).date() - timedelta(days=1),
                        today_local() - timedelta(days=limit_days)))


def pending_days(limit_days: int = 3 * 366 + 31) -> list[date]:
    """Closed days that need a build: dirty ones, and the days since the first call's month (at
    most `limit_days` back) never built."""
    first_day = _first_day(limit_days)
    if first_day is None:
        return []
    state = dict(db.session.execute(
        select(StatsDay.day, StatsDay.version == StatsDay.built_version).where(StatsDay.day >= first_day)).all())
    state = {as_date(day): built for day, built in state.items()}
    return [day for day in _day_list(first_day, today_local()) if not state.get(day)]


def pending_months(limit_days: int = 3 * 366 + 31) -> list[date]:
    """Closed months whose days are all built and clean but whose sums are missing or older than
    the last build of one of their days (`pending_days` lists the months with days to build)."""
    first_day = _first_day(limit_days)
    if first_day is None:
        return []
    today = today_local()
    days: dict[date, list] = {}
    for day, clean, built_at in db.session.execute(
            select(StatsDay.day, StatsDay.version == StatsDay.built_version, StatsDay.built_at)
            .where(StatsDay.day >= month_of(first_day), StatsDay.day < today)).all():
        days.setdefault(month_of(as_date(day)), []).append((bool(clean), built_at))
    summed = {as_date(month): built_at for month, built_at in db.session.execute(
        select(StatsMonth.month, StatsMonth.built_at).where(StatsMonth.month >= month_of(first_day))).all()}
    result = []
    for month, states in sorted(days.items()):
        if next_month(month) > today or len(states) < (next_month(month) - month).days:
            continue
        if all(clean for clean, _at in states) and (
                month not in summed or any(at is not None and at > summed[month] for _clean, at in states)):
            result.append(month)
    return result


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
    """Build what `pending_days` lists, oldest first, a month at a time with the month's sums
    after its days (and the sums `pending_months` lists); stops after `budget_seconds`.
    Returns the number of days built."""
    import time

    started = time.monotonic()
    built = 0
    by_month: dict[date, list[date]] = {}
    for day in pending_days():
        by_month.setdefault(month_of(day), []).append(day)
    for month in sorted(set(by_month) | set(pending_months())):
        for lo, hi in ranges_of(by_month.get(month, ())):
            rebuild(lo, hi)
            built += (hi - lo).days
            if commit:  # each piece its own transaction: SQLite's write lock is held for one at a time
                db.session.commit()
        rebuild_months([month])
        if commit:
            db.session.commit()
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            return built
    return built


def schedule_rollup(now: datetime | None = None) -> None:
    """Schedule the next rollup run on RQ's scheduler, one job per time slot (deterministic id)."""
    from ...queue import enqueue_unless_waiting

    interval = max(60, int(current_app.config.get("STATS_ROLLUP_INTERVAL_SECONDS", 600)))
    now = now or utcnow()
    slot = int(now.timestamp() // interval) + 1
    at = datetime.fromtimestamp(slot * interval, tz=now.tzinfo)
    enqueue_unless_waiting(ROLLUP_JOB, job_id=f"stats-rollup-{slot}", at=at, result_ttl=0, failure_ttl=86400,
                           job_timeout=3600)
