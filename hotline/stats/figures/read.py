"""Reading the statistics tables for a period and its filters (`Reader`), and the shape every
block shares: keys by code, ratios, rounding, percentiles from the buckets."""
from __future__ import annotations

from sqlalchemy import and_, false, func, literal, or_, select, union_all

from ...extensions import db
from ...models import GRAINS, SisterCity, Topic, User
from ..daily import KEYS, bucket_value
from ..period import Filters, Period, next_month
from ..sql import rank_for

FAQ_TOP = 10
NONE_KEY = "none"


class Reader:
    """Sums of a statistics table over a period under the filters: the month rows of the calendar
    months the period holds whole, the day rows of its other days — of the narrowest grain that
    keeps the dimensions the filters and the grouping need (hotline/models/stats.py, GRAINS)."""

    def __init__(self, period: Period, filters: Filters):
        self.period, self.filters = period, filters
        first = period.start if period.start.day == 1 else next_month(period.start)
        last = period.end.replace(day=1)  # the months [first, last) are whole
        self.months = []
        while first < last:
            self.months.append(first)
            first = next_month(first)
        self.spans = [(period.start, self.months[0]), (last, period.end)] if self.months \
            else [(period.start, period.end)]

    def filtered(self) -> dict[str, object]:
        f = self.filters
        return {name: value for name, value in (
            ("topic_id", f.topic_id), ("city_id", f.city_id), ("channel", f.channel or None),
            ("operator_id", f.operator_id), ("coordinator_id", f.coordinator_id)) if value is not None}

    def sums(self, model, group: tuple[str, ...], names: list[str], days_only: bool = False, where=()) -> list:
        filtered = self.filtered()
        needed = (set(group) | set(filtered)) - {"day", *KEYS[model]}
        day, month = min((grain for grain, by in GRAINS.items() if needed <= set(by)), key=lambda g: len(GRAINS[g]))
        spans = [and_(model.grain == day, model.day >= lo, model.day < hi) for lo, hi in (
            [(self.period.start, self.period.end)] if days_only else self.spans) if lo < hi]
        if self.months and not days_only:
            spans.append(and_(model.grain == month, model.day.in_(self.months)))
        keys = [getattr(model, name) for name in group]
        stmt = select(*keys, *[func.coalesce(func.sum(getattr(model, name)), 0) for name in names]).where(
            or_(*spans) if spans else false(), *[getattr(model, name) == value for name, value in filtered.items()],
            *where)
        return db.session.execute(stmt.group_by(*keys) if keys else stmt).all()


def percentiles(buckets: dict[int, int], pcts=(50, 90)) -> dict[int, float | None]:
    """Nearest-rank percentiles of the values counted in `buckets` ({bucket: n}), each the middle
    of the bucket holding that rank (within 1 % of the exact value: hotline/stats/daily.py)."""
    total = sum(buckets.values())
    result: dict[int, float | None] = {pct: None for pct in pcts}
    if not total:
        return result
    seen, ordered = 0, sorted(buckets.items())
    for bucket, n in ordered:
        seen += n
        for pct in pcts:
            if result[pct] is None and seen >= rank_for(pct, total):
                result[pct] = bucket_value(bucket)
    return result


def names() -> dict[str, dict[int, str]]:
    """{"topic" | "city" | "user": {id: code or login}}, in one statement."""
    found: dict[str, dict[int, str]] = {"topic": {}, "city": {}, "user": {}}
    for kind, id_, code in db.session.execute(union_all(
            select(literal("topic"), Topic.id, Topic.code), select(literal("city"), SisterCity.id, SisterCity.code),
            select(literal("user"), User.id, User.login))).all():
        found[kind][id_] = code
    return found


def key(of: dict[int, str], value) -> str:
    return NONE_KEY if value is None else of.get(value, str(value))


def ratio(numerator, denominator) -> float | None:
    return (numerator or 0) / denominator if denominator else None


def rounded(value) -> float | None:
    return None if value is None else round(float(value), 3)


def hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 4)
