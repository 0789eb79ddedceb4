"""Every figure of SPEC section 7, computed with aggregate SQL (the grouping happens in the
database). The dashboard, the exports and `GET /api/v1/stats` all call `compute()`.

Semantics the SPEC leaves open (also in the README, "Statistics and import"):
- calls belong to the period of their `started_at`; enquiries are *created* in the period of
  `created_at` and *answered* in the period of `answered_at` (their latest answer);
- an enquiry counts as answered when its status is `answered` or `closed`: one reopened and not
  yet answered again is open; answered again, it counts once, by its last answer, and its time
  to answer and SLA compliance run from creation to that last answer;
- cancelled enquiries count as created, never as answered, open or overdue, nor in SLA figures;
- "open at `to`" and "overdue at `to`" are taken at `to`, or now when `to` is still ahead;
- percentiles are nearest-rank (the value at rank ⌈p·n⌉ of the sorted values)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, not_, or_, select, union_all

from ..enquiries.service import business_calendar
from ..extensions import db
from ..models import (
    Call, CallChannel, CallOutcome, Enquiry, EnquiryStatus, FaqEntry, FaqStatus, FaqUse,
    SisterCity, Topic, User, utcnow,
)
from .period import Filters, Period
from .rollup import CubeReader, handle_seconds
from .rollup import on_time as on_time_case
from .sql import (
    as_date, indexed_by, local_day, local_hour, local_weekday, not_indexed, percentiles, seconds_between,
)

ANSWERED_STATUSES = (EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED)
AGE_BUCKETS = ("<1", "1-3", "3-10", ">10")  # business days
FAQ_TOP = 10
NONE_KEY = "none"


def compute(period: Period, filters: Filters, now: datetime | None = None, rollup: bool = True) -> dict:
    """Every figure; `rollup=False` reads the raw rows only (what the rollup is checked against)."""
    now = now or utcnow()
    start, end = period.bounds()
    at = min(end, now)  # "open at `to`": the future is not known yet
    names = _names()
    single = filters.single() if rollup else None
    if single is not None:
        # No filter or one: the daily rollup, with the days it does not serve read live.
        cube = CubeReader(period, *single)
        calls = _calls_rolled(cube, CubeReader(period.previous(), *single), names)
        enquiries = _enquiries_rolled(cube, at, filters, names)
        faq = _faq_rolled(cube, at, filters)
    else:
        calls = _calls(period, filters, names)
        enquiries = _enquiries(start, end, at, filters, names)
        faq = _faq(start, end, at, filters)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(),
                   "preset": period.preset, "as_of": at.isoformat().replace("+00:00", "Z")},
        "filters": filters.codes(),
        **calls,
        **enquiries,
        "faq": faq,
    }


# --- names ------------------------------------------------------------------------------------


def _names() -> dict[str, dict[int, str]]:
    return {
        "topic": dict(db.session.execute(select(Topic.id, Topic.code)).all()),
        "city": dict(db.session.execute(select(SisterCity.id, SisterCity.code)).all()),
        "user": dict(db.session.execute(select(User.id, User.login)).all()),
    }


def _key(names: dict[int, str], value) -> str:
    return NONE_KEY if value is None else names.get(value, str(value))


def _ratio(numerator, denominator) -> float | None:
    return (numerator or 0) / denominator if denominator else None


# --- calls ------------------------------------------------------------------------------------


def call_conditions(start: datetime, end: datetime, filters: Filters) -> list:
    return [Call.started_at >= start, Call.started_at < end, *call_filter_conditions(filters)]


def call_filter_conditions(filters: Filters) -> list:
    conditions = []
    if filters.topic_id is not None:
        conditions.append(Call.topic_id == filters.topic_id)
    if filters.city_id is not None:
        conditions.append(Call.city_id == filters.city_id)
    if filters.channel:
        conditions.append(Call.channel == CallChannel(filters.channel))
    if filters.operator_id is not None:
        conditions.append(Call.operator_id == filters.operator_id)
    if filters.coordinator_id is not None:
        conditions.append(Call.id.in_(
            select(Enquiry.call_id).where(Enquiry.assignee_id == filters.coordinator_id)))
    return conditions


def _is(outcome: CallOutcome):
    return func.sum(case((Call.outcome == outcome, 1), else_=0))


def _handle():
    return handle_seconds()


def _calls(period: Period, filters: Filters, names) -> dict:
    start, end = period.bounds()
    where = call_conditions(start, end, filters)
    by_day = calls_by_day(period, filters)

    def grouped(column, label_names=None):
        rows = db.session.execute(select(column, func.count()).where(*where).group_by(column)).all()
        return {(_key(label_names, value) if label_names is not None else value): n for value, n in rows}

    by_outcome = {o.value: 0 for o in CallOutcome}
    for outcome, n in db.session.execute(
            select(Call.outcome, func.count()).where(*where).group_by(Call.outcome)).all():
        by_outcome[outcome.value] = n
    by_channel = {c.value: n for c, n in db.session.execute(
        select(Call.channel, func.count()).where(*where).group_by(Call.channel)).all()}

    dow, hour = local_weekday(Call.started_at, start), local_hour(Call.started_at, start)
    heatmap = [[0] * 24 for _ in range(7)]
    for weekday, h, n in db.session.execute(
            select(dow, hour, func.count()).where(*where).group_by(dow, hour)).all():
        heatmap[(int(weekday) + 6) % 7][int(h)] = n  # Monday first

    operators = []
    rows = db.session.execute(
        select(Call.operator_id, func.count(), func.avg(case((Call.ended_at.is_not(None), _handle()))),
               _is(CallOutcome.ANSWERED), _is(CallOutcome.ROUTED))
        .where(*where).group_by(Call.operator_id)).all()
    for operator_id, n, aht, answered, routed in rows:
        operators.append({"login": _key(names["user"], operator_id), "calls": n,
                          "aht_seconds": _round(aht), "fcr": _ratio(answered, (answered or 0) + (routed or 0))})
    operators.sort(key=lambda row: (-row["calls"], row["login"]))

    aht = db.session.execute(
        select(func.avg(_handle())).where(*where, Call.ended_at.is_not(None))).scalar()
    answered, routed = by_outcome["answered"], by_outcome["routed"]
    previous = calls_by_day(period.previous(), filters)
    return {
        "calls": {
            "total": sum(by_outcome.values()),
            "by_day": by_day,
            "by_topic": grouped(Call.topic_id, names["topic"]),
            "by_city": grouped(Call.city_id, names["city"]),
            "by_channel": by_channel,
            "by_outcome": by_outcome,
            "by_operator": {row["login"]: row["calls"] for row in operators},
            "heatmap": heatmap,
            "previous_by_day": previous,
        },
        "fcr": _ratio(answered, answered + routed),
        "aht_seconds": _round(aht),
        "operators": operators,
    }


def calls_by_day(period: Period, filters: Filters) -> dict[str, int]:
    start, end = period.bounds()
    day = local_day(Call.started_at, start)
    counts = {d.isoformat(): 0 for d in period.day_list()}
    for value, n in db.session.execute(
            select(day, func.count()).where(*call_conditions(start, end, filters)).group_by(day)).all():
        key = as_date(value).isoformat()
        if key in counts:
            counts[key] = n
    return counts


# --- enquiries --------------------------------------------------------------------------------


def _enquiry_source(filters: Filters):
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


def open_at_branches(at: datetime) -> list[tuple[str, list]]:
    """`open_at(at)` as three disjoint sets of conditions, split by answered_at, each with one
    narrow way in for an index: never answered (answered_at IS NULL), answered only after `at`
    (answered_at >= `at`), and answered before `at` but reopened since, before `at`
    (reopened_at < `at`: not answered then, as answered_at is the latest answer). Together they
    hold exactly the rows of `open_at(at)` (tests/test_stats.py checks it); the ranges that cover
    nearly every enquiry (created_at < `at`, answered_at < `at`) are kept from the planner.
    Each branch comes with the index that serves it (SQLite needs telling: see `_open_figures`)."""
    alive = [
        not_indexed(Enquiry.created_at) < at,
        or_(and_(Enquiry.cancelled_at.is_(None), Enquiry.status != EnquiryStatus.CANCELLED),
            Enquiry.cancelled_at >= at),
    ]
    return [
        ("ix_enquiry_answered_at", [*alive, Enquiry.answered_at.is_(None)]),
        ("ix_enquiry_answered_at", [*alive, Enquiry.answered_at >= at]),
        ("ix_enquiry_reopened_at", [*alive, not_indexed(Enquiry.answered_at) < at, Enquiry.reopened_at < at,
                                    Enquiry.reopened_at >= Enquiry.answered_at]),
    ]


def answered_in(start: datetime, end: datetime) -> list:
    return [Enquiry.answered_at >= start, Enquiry.answered_at < end, Enquiry.status.in_(ANSWERED_STATUSES)]


def _enquiries(start: datetime, end: datetime, at: datetime, filters: Filters, names) -> dict:
    source, base = _enquiry_source(filters)

    created_where = [Enquiry.created_at >= start, Enquiry.created_at < end]
    answered_where = answered_in(start, end)
    on_time = on_time_case()

    created, cancelled = db.session.execute(
        select(func.count(), func.sum(case((Enquiry.status == EnquiryStatus.CANCELLED, 1), else_=0)))
        .select_from(source).where(*base, *created_where)).one()
    answered, answered_on_time, mean_seconds = db.session.execute(
        select(func.count(), func.sum(on_time), func.avg(Enquiry.answer_business_seconds))
        .select_from(source).where(*base, *answered_where)).one()
    open_now = _open_figures(source, base, at)

    assign = percentiles(seconds_between(Enquiry.created_at, Enquiry.assigned_at),
                         [*base, *created_where, Enquiry.assigned_at.is_not(None)], from_obj=source)
    answer = percentiles(Enquiry.answer_business_seconds, [*base, *answered_where], from_obj=source)

    return {
        "enquiries": {"created": created, "answered": answered, "open": open_now["open"],
                      "overdue": open_now["overdue"], "cancelled": cancelled or 0},
        "time_to_assign": {"median_seconds": _round(assign[50]), "p90_seconds": _round(assign[90])},
        "time_to_answer": {"median_hours": _hours(answer[50]), "p90_hours": _hours(answer[90]),
                           "mean_hours": _hours(mean_seconds)},
        "sla_compliance": _ratio(answered_on_time, answered),
        "sla_by_day": _sla_by_day(start, end, source, base, answered_where, on_time),
        "backlog_aging": open_now["aging"],
        "coordinators": _coordinators(source, base, start, end, names, on_time, open_now["by_assignee"]),
    }


def _sla_by_day(start, end, source, base, answered_where, on_time) -> dict[str, dict]:
    day = local_day(Enquiry.answered_at, start)
    rows = db.session.execute(
        select(day, func.count(), func.sum(on_time)).select_from(source)
        .where(*base, *answered_where).group_by(day)).all()
    result = {}
    for value, n, ok in rows:
        result[as_date(value).isoformat()] = {"answered": n, "on_time": ok or 0, "compliance": _ratio(ok, n)}
    return dict(sorted(result.items()))


def _coordinators(source, base, start, end, names, on_time, open_by_assignee) -> list[dict]:
    assignee = Enquiry.assignee_id
    assigned = dict(db.session.execute(
        select(assignee, func.count()).select_from(source)
        .where(*base, assignee.is_not(None), Enquiry.assigned_at >= start, Enquiry.assigned_at < end)
        .group_by(assignee)).all())
    answered_where = [*base, assignee.is_not(None), *answered_in(start, end)]
    answered = {user_id: (n, ok) for user_id, n, ok in db.session.execute(
        select(assignee, func.count(), func.sum(on_time)).select_from(source)
        .where(*answered_where).group_by(assignee)).all()}
    medians = percentiles(Enquiry.answer_business_seconds, answered_where, (50,), group=assignee,
                          from_obj=source)
    return _coordinator_rows(names, assigned, answered, medians, open_by_assignee)


def _coordinator_rows(names, assigned: dict, answered: dict, medians: dict, open_by_assignee: dict) -> list[dict]:
    """Per coordinator: {id: n} assigned, {id: (answered, on time)}, {id: {50: seconds}}, {id: open}."""
    rows: dict[int, dict] = {}

    def row(user_id):
        return rows.setdefault(user_id, {"login": _key(names["user"], user_id), "assigned": 0, "answered": 0,
                                         "median_hours": None, "sla_compliance": None, "open": 0})

    for user_id, n in assigned.items():
        row(user_id)["assigned"] = n
    for user_id, (n, ok) in answered.items():
        row(user_id).update(answered=n, sla_compliance=_ratio(ok, n))
    for user_id, n in open_by_assignee.items():
        row(user_id)["open"] = n
    for user_id, values in medians.items():
        row(user_id)["median_hours"] = _hours(values[50])
    return sorted(rows.values(), key=lambda r: (-r["answered"], -r["assigned"], r["login"]))


def _open_figures(source, base, at: datetime) -> dict:
    """Open and overdue at `at`, backlog aging and open per coordinator, in one statement: the
    same grouped query over each branch of `open_at_branches` (disjoint, so the rows add up),
    joined by UNION ALL. The aging bucket edges are instants found with the business calendar,
    so the grouping itself is a CASE over created_at in SQL."""
    edges = age_edges(at)
    bucket = case(
        (Enquiry.created_at > edges[0], AGE_BUCKETS[0]),
        (Enquiry.created_at > edges[1], AGE_BUCKETS[1]),
        (Enquiry.created_at > edges[2], AGE_BUCKETS[2]),
        else_=AGE_BUCKETS[3],
    )
    overdue = func.sum(case((Enquiry.due_at < at, 1), else_=0))
    result = {"open": 0, "overdue": 0, "aging": {name: 0 for name in AGE_BUCKETS}, "by_assignee": {}}
    # Without table statistics SQLite walks ix_enquiry_assignee_status for the GROUP BY order (a
    # scan of every enquiry) rather than the few rows of the branch's own index: INDEXED BY.
    branches = [indexed_by(select(Enquiry.assignee_id, bucket, func.count(), overdue).select_from(source)
                           .where(*base, *conditions).group_by(Enquiry.assignee_id, bucket),
                           Enquiry.__table__, index)
                for index, conditions in open_at_branches(at)]
    for assignee_id, name, n, late in db.session.execute(union_all(*branches)).all():
        result["open"] += n
        result["overdue"] += late or 0
        result["aging"][name] += n
        if assignee_id is not None:
            result["by_assignee"][assignee_id] = result["by_assignee"].get(assignee_id, 0) + n
    return result


def age_edges(at: datetime) -> list[datetime]:
    """The instants before which an enquiry open at `at` is at least 1, 3 and 10 business days
    old, found by bisection on the business calendar's own `business_seconds_between`."""
    calendar = business_calendar()
    day_seconds = calendar.hours_per_day * 3600
    edges = []
    for days in (1, 3, 10):
        target = days * day_seconds
        low = at - timedelta(days=days * 2 + 30)
        while calendar.business_seconds_between(low, at) < target:
            low -= timedelta(days=days * 2 + 30)
        high = at
        # low: old enough; high: too young. Narrow to a microsecond.
        while high - low > timedelta(microseconds=1):
            middle = low + (high - low) / 2
            if calendar.business_seconds_between(middle, at) >= target:
                low = middle
            else:
                high = middle
        edges.append(low)
    return edges


# --- from the rollup (no filter or one filter) ------------------------------------------------


def _id_or_none(gval: str):
    return int(gval) if gval else None


def _calls_rolled(cube: CubeReader, previous: CubeReader, names) -> dict:
    total = cube.rows("call", "").get("", [0] * 7 + [0.0])
    n, answered, routed, info, dropped, ended, _assisted, handle = total
    by_outcome = {CallOutcome.ANSWERED.value: answered, CallOutcome.ROUTED.value: routed,
                  CallOutcome.INFO.value: info, CallOutcome.DROPPED.value: dropped}
    heatmap = [[0] * 24 for _ in range(7)]
    for gval, values in cube.rows("call", "wh").items():
        heatmap[int(gval) // 24][int(gval) % 24] += values[0]
    operators = []
    for gval, (calls, ok, routed_, _i, _d, ended_, _a, handle_) in cube.rows("call", "operator").items():
        operators.append({"login": _key(names["user"], _id_or_none(gval)), "calls": calls,
                          "aht_seconds": _round(handle_ / ended_ if ended_ else None),
                          "fcr": _ratio(ok, ok + routed_)})
    operators.sort(key=lambda row: (-row["calls"], row["login"]))

    def grouped(gdim, label_names=None):
        rows = cube.rows("call", gdim)
        if label_names is None:
            return {gval: values[0] for gval, values in sorted(rows.items())}
        return {_key(label_names, _id_or_none(gval)): values[0]
                for gval, values in sorted(rows.items(), key=lambda kv: _id_or_none(kv[0]) or 0)}

    return {
        "calls": {
            "total": n,
            "by_day": _by_day(cube),
            "by_topic": grouped("topic", names["topic"]),
            "by_city": grouped("city", names["city"]),
            "by_channel": grouped("channel"),
            "by_outcome": by_outcome,
            "by_operator": {row["login"]: row["calls"] for row in operators},
            "heatmap": heatmap,
            "previous_by_day": _by_day(previous),
        },
        "fcr": _ratio(answered, answered + routed),
        "aht_seconds": _round(handle / ended if ended else None),
        "operators": operators,
    }


def _by_day(cube: CubeReader) -> dict[str, int]:
    counts = {d.isoformat(): 0 for d in cube.period.day_list()}
    for (day, _gval), values in cube.rows("call", "", by_day=True).items():
        if day.isoformat() in counts:
            counts[day.isoformat()] = values[0]
    return counts


def _enquiries_rolled(cube: CubeReader, at: datetime, filters: Filters, names) -> dict:
    source, base = _enquiry_source(filters)
    created, cancelled = cube.rows("created", "").get("", [0, 0])[:2]
    answered_row = cube.rows("answered", "").get("", [0] * 7 + [0.0])
    answered, on_time, with_seconds, seconds = answered_row[0], answered_row[1], answered_row[2], answered_row[7]
    sla_by_day = {}
    for (day, _gval), values in sorted(cube.rows("answered", "", by_day=True).items()):
        sla_by_day[day.isoformat()] = {"answered": values[0], "on_time": values[1] or 0,
                                       "compliance": _ratio(values[1], values[0])}
    open_now = _open_figures(source, base, at)
    assign = cube.percentiles("assign")
    answer = cube.percentiles("answer")
    assigned = {int(g): v[0] for g, v in cube.rows("assigned", "coordinator").items() if g}
    by_coordinator = {int(g): (v[0], v[1]) for g, v in cube.rows("answered", "coordinator").items() if g}
    medians = cube.coordinator_percentiles("answer")
    return {
        "enquiries": {"created": created, "answered": answered, "open": open_now["open"],
                      "overdue": open_now["overdue"], "cancelled": cancelled or 0},
        "time_to_assign": {"median_seconds": _round(assign[50]), "p90_seconds": _round(assign[90])},
        "time_to_answer": {"median_hours": _hours(answer[50]), "p90_hours": _hours(answer[90]),
                           "mean_hours": _hours(seconds / with_seconds if with_seconds else None)},
        "sla_compliance": _ratio(on_time, answered),
        "sla_by_day": sla_by_day,
        "backlog_aging": open_now["aging"],
        "coordinators": _coordinator_rows(names, assigned, by_coordinator, medians, open_now["by_assignee"]),
    }


def _faq_rolled(cube: CubeReader, at: datetime, filters: Filters) -> dict:
    uses = sorted(((int(g), v[0]) for g, v in cube.rows("faq", "entry").items()), key=lambda r: (-r[1], r[0]))
    top_rows = uses[:FAQ_TOP]
    questions = dict(db.session.execute(
        select(FaqEntry.id, FaqEntry.question).where(FaqEntry.id.in_([entry for entry, _n in top_rows]))).all())
    top = [{"id": entry, "question": questions.get(entry, ""), "uses": n} for entry, n in top_rows]
    total = cube.rows("call", "").get("", [0] * 7 + [0.0])
    return {"top": top, "assisted_share": _ratio(total[6], total[1]), "never_used": _never_used(at, filters)}


# --- FAQ --------------------------------------------------------------------------------------


def _faq(start: datetime, end: datetime, at: datetime, filters: Filters) -> dict:
    use_where = [FaqUse.used_at >= start, FaqUse.used_at < end]
    source = FaqUse.__table__
    if filters.any:
        # Filters apply through the call the FAQ entry helped with.
        source = source.join(Call.__table__, Call.id == FaqUse.call_id)
        use_where += call_filter_conditions(filters)
    uses = func.count().label("uses")
    top_rows = db.session.execute(
        select(FaqUse.entry_id, uses).select_from(source).where(*use_where)
        .group_by(FaqUse.entry_id).order_by(uses.desc(), FaqUse.entry_id).limit(FAQ_TOP)).all()
    questions = dict(db.session.execute(
        select(FaqEntry.id, FaqEntry.question).where(FaqEntry.id.in_([r.entry_id for r in top_rows]))).all())
    top = [{"id": r.entry_id, "question": questions.get(r.entry_id, ""), "uses": r.uses} for r in top_rows]

    call_where = call_conditions(start, end, filters)
    answered_calls, assisted = db.session.execute(
        select(func.count(), func.sum(case((exists().where(FaqUse.call_id == Call.id), 1), else_=0)))
        .where(*call_where, Call.outcome == CallOutcome.ANSWERED)).one()

    return {"top": top, "assisted_share": _ratio(assisted, answered_calls), "never_used": _never_used(at, filters)}


def _never_used(at: datetime, filters: Filters) -> list[int]:
    never_where = [FaqEntry.status == FaqStatus.PUBLISHED,
                   ~exists().where(FaqUse.entry_id == FaqEntry.id, FaqUse.used_at < at)]
    if filters.topic_id is not None:
        never_where.append(FaqEntry.topic_id == filters.topic_id)
    return list(db.session.execute(select(FaqEntry.id).where(*never_where).order_by(FaqEntry.id)).scalars())


# --- the live strip ---------------------------------------------------------------------------


def live_strip(now: datetime | None = None) -> dict[str, int]:
    """What needs a supervisor now: waiting to be routed, unassigned, breached, calls today."""
    from .period import today_local

    now = now or utcnow()
    today = Period(today_local(), today_local() + timedelta(days=1))
    start, end = today.bounds()
    new = Enquiry.status == EnquiryStatus.NEW
    row = db.session.execute(select(
        func.sum(case((and_(new, Enquiry.unrouted_at.is_(None)), 1), else_=0)),
        func.sum(case((and_(new, Enquiry.unrouted_at.is_not(None)), 1), else_=0)),
        func.sum(case((Enquiry.due_at < now, 1), else_=0)),
    ).where(Enquiry.status.in_(EnquiryStatus.open_values()))).one()
    calls_today = db.session.execute(
        select(func.count()).where(Call.started_at >= start, Call.started_at < end)).scalar_one()
    return {"waiting": row[0] or 0, "unassigned": row[1] or 0, "breached": row[2] or 0,
            "calls_today": calls_today}


def _round(value) -> float | None:
    return None if value is None else round(float(value), 3)


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 4)
