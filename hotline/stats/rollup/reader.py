"""Reading the rollup: the cube rows of the served days of a period plus the same SELECTs over the
raw rows of its live days, and nearest-rank percentiles from the histograms and samples."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Date, and_, bindparam, cast, false, func, literal, null, or_, select, union_all

from ...extensions import db
from ...models import StatsCube, StatsCubeMonth, StatsDay, StatsMonth, StatsSample
from ..period import Period, today_local
from ..sql import as_date, rank_for
from .build import _day_list, month_of, next_month, ranges_of
from .facts import BUCKET_EDGES, HISTOGRAMS, MEASURES, SAMPLE_FILTER_COLUMNS, _as_text, fact_select, sample_rows_of


class CubeReader:
    """The rollup of one period under no filter or one filter: cube rows of the served days
    (a row per month for the whole months whose sums are current) plus the same SELECTs over
    the raw rows of the live days."""

    def __init__(self, period: Period, fdim: str = "", fval: str = ""):
        self.period, self.fdim, self.fval = period, fdim, fval
        self._rows: dict = {}
        self._samples: dict = {}
        today = today_local()
        served_until = min(period.end, today)
        built: dict = {}  # served day → when it was built
        summed: dict = {}  # month → when its sums were taken
        if period.start < served_until:
            days = select(literal("d").label("kind"), StatsDay.day.label("day"), StatsDay.built_at).where(
                StatsDay.day >= period.start, StatsDay.day < served_until, StatsDay.built_version == StatsDay.version)
            months = select(literal("m"), StatsMonth.month, StatsMonth.built_at).where(
                StatsMonth.month >= period.start, StatsMonth.month < served_until)
            for kind, day, at in db.session.execute(union_all(days, months)).all():
                (built if kind == "d" else summed)[as_date(day)] = at
        days = period.day_list()
        self.served = ranges_of(d for d in days if d in built)
        self.live = ranges_of(d for d in days if d not in built)
        # A month stands for its days while every one is served and none was built after its sums.
        self.months = sorted(month for month, at in summed.items() if next_month(month) <= served_until and all(
            day in built and built[day] <= at for day in _day_list(month, next_month(month))))
        whole = set(self.months)
        self.served_days = ranges_of(d for d in days if d in built and month_of(d) not in whole)

    def _served_condition(self, column):
        """`column` in the served days. Several ranges are written within their bounds, so an
        index on (…, column) still reads just them (SQLite reads no range out of an OR)."""
        if not self.served:
            return false()
        if len(self.served) == 1:
            return and_(column >= self.served[0][0], column < self.served[0][1])
        return and_(column >= self.served[0][0], column < self.served[-1][1],
                    or_(*[and_(column >= lo, column < hi) for lo, hi in self.served]))

    def rows(self, fact: str, gdim: str, by_day: bool = False) -> dict:
        """{gval: [n, m1 … m6, total]} (with by_day: {(day, gval): …}) for the period."""
        key = (fact, gdim, by_day)
        if key not in self._rows:
            self.load([key])
        return self._rows[key]

    def load(self, wanted) -> None:
        """Read the rows of every (fact, gdim, by_day) wanted, for `rows` to hand out: one
        statement for the served days and months of them all, one for the live days."""
        wanted = [key for key in dict.fromkeys(wanted) if key not in self._rows]
        if not wanted:
            return
        results: dict = {key: {} for key in wanted}

        def add(result, key, values):
            bucket = result.setdefault(key, [0] * 7 + [0.0])
            for i, v in enumerate(values):
                bucket[i] += v or 0

        for i, day, gval, *values in self._served_rows(wanted):
            by_day = wanted[i][2]
            add(results[wanted[i]], (as_date(day), gval) if by_day else gval, values)
        live = []
        for i, (fact, gdim, _by_day) in enumerate(wanted):
            if self.live and gdim not in ("b", "cb"):  # histograms of live days: from live_samples
                one = fact_select(fact, self.fdim, gdim, self.live, self.fval if self.fdim else None).subquery()
                live.append(select(literal(i), one.c.day, one.c.gval, *[one.c[name] for name in MEASURES]))
        if live:
            for i, day, gval, *values in db.session.execute(union_all(*live) if len(live) > 1 else live[0]):
                by_day = wanted[i][2]
                add(results[wanted[i]], (as_date(day), gval) if by_day else gval, values)
        self._rows.update(results)

    def _served_rows(self, wanted: list) -> list:
        """(i, day or None, gval, n … total) of each wanted (fact, gdim, by_day) over the served
        days and months: the statement of its shape (`_served_statement`) with this period's days."""
        needs_days = any(not by_day for _f, _g, by_day in wanted)
        needs_all = any(by_day for _f, _g, by_day in wanted)
        params: dict = {"fdim": self.fdim, "fval": self.fval}
        forms = []
        for name, ranges, needed in (("days", self.served_days, needs_days), ("all", self.served, needs_all)):
            if not needed or not ranges:
                forms.append(None)
            elif len(ranges) == 1:  # one range: an index range; several: the list of their days
                forms.append("range")
                params[f"{name}_lo"], params[f"{name}_hi"] = ranges[0]
            else:
                forms.append("list")
                params[name] = [day for lo, hi in ranges for day in _day_list(lo, hi)]
        months = bool(self.months) and needs_days
        if months:
            params["months"] = self.months
        statement = _served_statement(tuple(wanted), *forms, months)
        return [] if statement is None else db.session.execute(statement, params).all()

    def live_samples(self, kind: str) -> list[dict]:
        """The samples of the live days (of every kind at the first call: one statement)."""
        if not self._samples:
            self._samples = sample_rows_of(HISTOGRAMS, self.live, self.fdim, self.fval)
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
        """{pct: value} of `kind` (assign, answer), nearest rank."""
        return self.many_percentiles([(kind, pcts, False)])[0]

    def coordinator_percentiles(self, kind: str, pcts: tuple[int, ...] = (50,)) -> dict:
        """{coordinator_id: {pct: value}} of time to answer, nearest rank."""
        return self.many_percentiles([(kind, pcts, True)])[0]

    def many_percentiles(self, requests: list[tuple[str, tuple[int, ...], bool]]) -> list[dict]:
        """For each (kind, pcts, per coordinator) the result of `percentiles` or of
        `coordinator_percentiles`, from the histograms (gdim b, or cb per coordinator) and each
        rank's bucket of samples, every rank read in one statement."""
        self.load([(HISTOGRAMS[kind], "cb" if per_coordinator else "b", False)
                   for kind, _pcts, per_coordinator in requests])
        histograms = {}
        for i, (kind, pcts, per_coordinator) in enumerate(requests):
            if per_coordinator:
                for user, hist in self.histogram(kind, coordinator=True).items():
                    histograms[(i, user)] = (kind, hist, user, pcts)
            else:
                histograms[(i, None)] = (kind, self.histogram(kind), None, pcts)
        values = self._percentiles(histograms)
        results: list[dict] = [{} for _ in requests]
        for (i, user), result in values.items():
            if user is None and not requests[i][2]:
                results[i] = result
            else:
                results[i][user] = result
        return results

    def _percentiles(self, histograms: dict) -> dict:
        """Nearest-rank percentiles for each {key: (kind, {bucket: n}, coordinator_id or None, pcts)}:
        the bucket holding the rank from the histogram, then the rank within that bucket's
        values (`_values_at`). Returns {key: {pct: value}}."""
        result = {key: {pct: None for pct in pcts} for key, (_k, _h, _c, pcts) in histograms.items()}
        wanted, where = {}, {}
        for key, (kind, hist, coordinator_id, pcts) in histograms.items():
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


def _day_condition(column, name: str, form: str):
    if form == "range":
        return and_(column >= bindparam(f"{name}_lo"), column < bindparam(f"{name}_hi"))
    return column.in_(bindparam(name, expanding=True))


@lru_cache(maxsize=64)
def _served_statement(wanted: tuple, days: str | None, all_days: str | None, months: bool):
    """SELECT i, day (by_day) or NULL, gval, sum(n) … sum(total) of each (fact, gdim, by_day) of
    `wanted` (i: its place) over the served days — `days` / `all_days` (for by_day) as a range
    or a list, or None when none — and the `months`, all bound by name (fdim, fval, days…,
    all…, months), so a shape is built once per process: building it took longer than running
    it, and left thousands of objects to the garbage collector on every request."""
    branches = []
    for i, (fact, gdim, by_day) in enumerate(wanted):
        parts = []
        form, name = (all_days, "all") if by_day else (days, "days")
        if form:
            day = StatsCube.day if by_day else cast(null(), Date)
            parts.append(select(day.label("day"), StatsCube.gval, *[getattr(StatsCube, m) for m in MEASURES]).where(
                StatsCube.fact == fact, StatsCube.fdim == bindparam("fdim"), StatsCube.fval == bindparam("fval"),
                StatsCube.gdim == gdim, _day_condition(StatsCube.day, name, form)))
        if months and not by_day:
            sums = StatsCubeMonth
            parts.append(select(cast(null(), Date), sums.gval, *[getattr(sums, m) for m in MEASURES]).where(
                sums.fact == fact, sums.fdim == bindparam("fdim"), sums.fval == bindparam("fval"), sums.gdim == gdim,
                sums.month.in_(bindparam("months", expanding=True))))
        if not parts:
            continue
        rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
        keys = [rows.c.day, rows.c.gval] if by_day else [rows.c.gval]
        branches.append(select(literal(i), rows.c.day if by_day else cast(null(), Date), rows.c.gval,
                               *[func.sum(rows.c[m]) for m in MEASURES]).group_by(*keys))
    if not branches:
        return None
    return union_all(*branches) if len(branches) > 1 else branches[0]
