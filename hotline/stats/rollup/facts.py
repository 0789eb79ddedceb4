"""The facts of the statistics rollup: one definition of every additive figure (`fact_select`)
and of the values percentiles are taken from (`sample_rows`), used both to build the cube of a
closed day and to read the days the cube does not serve."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, and_, case, cast, exists, false, func, literal, literal_column, or_, select, union_all

from ...extensions import db
from ...models import Call, CallChannel, CallOutcome, Enquiry, EnquiryStatus, FaqUse, utcnow
from ..period import Period
from ..sql import as_date, local_day, local_hour, local_weekday, not_indexed, seconds_between

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
    return sample_rows_of((kind,), ranges, fdim, fval)[kind]


def sample_rows_of(kinds, ranges: list[tuple[date, date]], fdim: str = "", fval: str | None = None) -> dict:
    """{kind: [row, …]}: the samples of each kind on the days of `ranges` (under the filter
    `fdim = fval`), read in one statement."""
    result: dict = {kind: [] for kind in kinds}
    if not ranges or not kinds:
        return result
    selects = [_sample_select(kind, ranges).add_columns(literal(kind).label("kind")) for kind in kinds]
    for r in db.session.execute(union_all(*selects) if len(selects) > 1 else selects[0]).all():
        channel = r.channel.value if isinstance(r.channel, CallChannel) else r.channel
        row = {"kind": r.kind, "day": as_date(r.day), "value": float(r.value), "bucket": bucket_of(float(r.value)),
               "topic_id": r.topic_id, "city_id": r.city_id, "channel": channel, "operator_id": r.operator_id,
               "coordinator_id": r.coordinator_id}
        if fdim and (row[SAMPLE_FILTER_COLUMNS[fdim]] is None or str(row[SAMPLE_FILTER_COLUMNS[fdim]]) != fval):
            continue
        result[r.kind].append(row)
    return result
