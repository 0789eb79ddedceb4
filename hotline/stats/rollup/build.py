"""Building the rollup: the cube rows and samples of closed days from the raw rows, the days that
need a build, and the scheduled run."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

from flask import current_app
from sqlalchemy import delete, func, insert, literal_column, select, update

from ...extensions import db
from ...models import Call, StatsCube, StatsDay, StatsSample, utcnow
from ...timefmt import local_zone
from ..period import today_local
from ..sql import as_date
from .facts import (
    FILTER_DIMS, GDIMS, HISTOGRAMS, MEASURES, SAMPLE_FILTER_COLUMNS, _as_text, _zero, fact_select, sample_rows,
)

CHUNK_DAYS = 31
ROLLUP_JOB = "hotline.jobs.stats_rollup"

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
    from ...queue import enqueue_unless_waiting

    interval = max(60, int(current_app.config.get("STATS_ROLLUP_INTERVAL_SECONDS", 600)))
    now = now or utcnow()
    slot = int(now.timestamp() // interval) + 1
    at = datetime.fromtimestamp(slot * interval, tz=now.tzinfo)
    enqueue_unless_waiting(ROLLUP_JOB, job_id=f"stats-rollup-{slot}", at=at, result_ttl=0, failure_ttl=86400,
                           job_timeout=3600)
