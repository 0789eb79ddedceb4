"""The figures from the raw rows: every request with two filters or more, and what the rollup is
checked against (`compute(..., rollup=False)`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, exists, func, select

from ...extensions import db
from ...models import Call, CallChannel, CallOutcome, Enquiry, EnquiryStatus, FaqEntry, FaqUse
from ..period import Filters, Period
from ..rollup import handle_seconds
from ..rollup import on_time as on_time_case
from ..sql import as_date, local_day, local_hour, local_weekday, percentiles, seconds_between
from .instant import _enquiry_source, _never_used, _open_figures
from .shape import ANSWERED_STATUSES, FAQ_TOP, _coordinator_rows, _hours, _key, _ratio, _round


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
