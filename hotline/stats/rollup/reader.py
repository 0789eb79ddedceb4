"""Reading the rollup: the cube rows of the served days of a period plus the same SELECTs over the
raw rows of its live days, and nearest-rank percentiles from the histograms and samples."""
from __future__ import annotations

from sqlalchemy import and_, false, func, literal, or_, select, union_all

from ...extensions import db
from ...models import StatsCube, StatsCubeMonth, StatsDay, StatsMonth, StatsSample
from ..period import Period, today_local
from ..sql import as_date, rank_for
from .build import _day_list, month_of, next_month, ranges_of
from .facts import BUCKET_EDGES, HISTOGRAMS, MEASURES, SAMPLE_FILTER_COLUMNS, _as_text, fact_select, sample_rows


class CubeReader:
    """The rollup of one period under no filter or one filter: cube rows of the served days
    (a row per month for the whole months whose sums are current) plus the same SELECTs over
    the raw rows of the live days."""

    def __init__(self, period: Period, fdim: str = "", fval: str = ""):
        self.period, self.fdim, self.fval = period, fdim, fval
        today = today_local()
        served_until = min(period.end, today)
        built: dict = {}  # served day → when it was built
        summed: dict = {}  # month → when its sums were taken
        if period.start < served_until:
            built = {as_date(day): at for day, at in db.session.execute(
                select(StatsDay.day, StatsDay.built_at).where(
                    StatsDay.day >= period.start, StatsDay.day < served_until,
                    StatsDay.built_version == StatsDay.version)).all()}
            summed = {as_date(month): at for month, at in db.session.execute(
                select(StatsMonth.month, StatsMonth.built_at).where(
                    StatsMonth.month >= period.start, StatsMonth.month < served_until)).all()}
        days = period.day_list()
        self.served = ranges_of(d for d in days if d in built)
        self.live = ranges_of(d for d in days if d not in built)
        # A month stands for its days while every one is served and none was built after its sums.
        self.months = sorted(month for month, at in summed.items() if next_month(month) <= served_until and all(
            day in built and built[day] <= at for day in _day_list(month, next_month(month))))
        whole = set(self.months)
        self.served_days = ranges_of(d for d in days if d in built and month_of(d) not in whole)

    def _served_condition(self, column, ranges=None):
        ranges = self.served if ranges is None else ranges
        if not ranges:
            return false()
        return or_(*[and_(column >= lo, column < hi) for lo, hi in ranges])

    def rows(self, fact: str, gdim: str, by_day: bool = False) -> dict:
        """{gval: [n, m1 … m6, total]} (with by_day: {(day, gval): …}) for the period."""
        result: dict = {}

        def add(key, values):
            bucket = result.setdefault(key, [0] * 7 + [0.0])
            for i, v in enumerate(values):
                bucket[i] += v or 0

        # Histograms (b, cb) hold counts only: summing the other measures too made PostgreSQL's
        # sort of a year's per-coordinator rows twice as large (spilled to disk).
        measures = MEASURES[:1] if gdim in ("b", "cb") else MEASURES
        parts = []
        day_ranges = self.served if by_day else self.served_days
        if day_ranges:
            keys = [StatsCube.day, StatsCube.gval] if by_day else [StatsCube.gval]
            parts.append(select(*keys, *[getattr(StatsCube, name) for name in measures]).where(
                StatsCube.fact == fact, StatsCube.fdim == self.fdim, StatsCube.fval == self.fval,
                StatsCube.gdim == gdim, self._served_condition(StatsCube.day, day_ranges)))
        if self.months and not by_day:
            parts.append(select(StatsCubeMonth.gval, *[getattr(StatsCubeMonth, name) for name in measures]).where(
                StatsCubeMonth.fact == fact, StatsCubeMonth.fdim == self.fdim, StatsCubeMonth.fval == self.fval,
                StatsCubeMonth.gdim == gdim, StatsCubeMonth.month.in_(self.months)))
        if parts:
            rows = parts[0].subquery() if len(parts) == 1 else union_all(*parts).subquery()
            keys = list(rows.c)[:2 if by_day else 1]
            q = select(*keys, *[func.sum(rows.c[name]) for name in measures]).group_by(*keys)
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

    def _sample_conditions(self, kind: str, bucket: int, coordinator_id: int | None) -> list:
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
        return conditions

    def _values_at(self, wanted: dict) -> dict:
        """{key: value} for wanted {key: (kind, bucket, coordinator_id or None, rank)}: the value
        at `rank` (1-based) of the bucket's samples, served and live together. At most as many
        live values as the bucket has come before it, so the served values below rank
        `rank - len(live) - 1` all do too: only the served ranks from there to `rank` are read,
        in value order by the database — every wanted value in one statement."""
        plans = {}
        for key, (kind, bucket, coordinator_id, rank) in wanted.items():
            live = sorted(row["value"] for row in self.live_samples(kind) if row["bucket"] == bucket
                          and (coordinator_id is None or row["coordinator_id"] == coordinator_id))
            plans[key] = (live, max(0, rank - len(live) - 1), rank)
        served: dict = {key: [] for key in wanted}
        if self.served and wanted:
            keys = list(wanted)
            for start in range(0, len(keys), 200):  # SQLite allows 500 SELECTs in a compound one
                parts = []
                for i, key in enumerate(keys[start:start + 200], start):
                    kind, bucket, coordinator_id, rank = wanted[key]
                    _live, skip, _rank = plans[key]
                    one = (select(literal(i).label("i"), StatsSample.value.label("value"))
                           .where(*self._sample_conditions(kind, bucket, coordinator_id))
                           .order_by(StatsSample.value).offset(skip).limit(rank - skip).subquery())
                    parts.append(select(one.c.i, one.c.value))
                for i, value in db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all():
                    served[keys[i]].append(float(value))
        result = {}
        for key, (live, skip, rank) in plans.items():
            merged = sorted(served[key] + live)
            result[key] = merged[rank - skip - 1] if rank - skip - 1 < len(merged) else None
        return result

    def percentiles(self, kind: str, pcts: tuple[int, ...] = (50, 90)) -> dict:
        return self._percentiles({None: (kind, self.histogram(kind), None)}, pcts)[None]

    def coordinator_percentiles(self, kind: str, pcts: tuple[int, ...] = (50,)) -> dict:
        """{coordinator_id: {pct: value}} of time to answer, nearest rank, from the
        per-coordinator histogram (gdim cb) and each coordinator's samples of one bucket."""
        return self._percentiles({user: (kind, hist, user) for user, hist in
                                  self.histogram(kind, coordinator=True).items()}, pcts)

    def _percentiles(self, histograms: dict, pcts) -> dict:
        """Nearest-rank percentiles for each {key: (kind, {bucket: n}, coordinator_id or None)}:
        the bucket holding the rank from the histogram, then the rank within that bucket's
        values (`_values_at`). Returns {key: {pct: value}}."""
        result = {key: {pct: None for pct in pcts} for key in histograms}
        wanted, where = {}, {}
        for key, (kind, hist, coordinator_id) in histograms.items():
            n = sum(hist.values())
            if not n:
                continue
            for pct in pcts:
                rank = rank_for(pct, n)
                seen = 0
                for bucket in sorted(hist):
                    if seen + hist[bucket] >= rank:
                        want = (kind, bucket, coordinator_id, rank - seen)
                        wanted[want] = want
                        where[(key, pct)] = want
                        break
                    seen += hist[bucket]
        values = self._values_at(wanted)
        for (key, pct), want in where.items():
            result[key][pct] = values[want]
        return result
