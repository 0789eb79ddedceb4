"""Reading the rollup: the cube rows of the served days of a period plus the same SELECTs over the
raw rows of its live days, and nearest-rank percentiles from the histograms and samples."""
from __future__ import annotations

from sqlalchemy import and_, false, func, or_, select

from ...extensions import db
from ...models import StatsCube, StatsDay, StatsSample
from ..period import Period, today_local
from ..sql import as_date, dialect, rank_for
from .build import ranges_of
from .facts import BUCKET_EDGES, HISTOGRAMS, MEASURES, SAMPLE_FILTER_COLUMNS, _as_text, fact_select, sample_rows

RANK_READ_DAYS = 120  # served days from which coordinator medians read ranks instead of histograms

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
