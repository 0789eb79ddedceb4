"""Every figure of SPEC section 7. The dashboard, the exports and `GET /api/v1/stats` all call
`compute()`; each figure has one query path: sums over the statistics tables (hotline/stats/daily.py),
or, for states at an instant (open, overdue, aging, never used), the raw rows (`instant`).

Semantics the SPEC leaves open (also in the README, "Statistics and import"):
- calls belong to the period of their `started_at`; enquiries are *created* in the period of
  `created_at` and *answered* in the period of `answered_at` (their latest answer);
- an enquiry counts as answered when its status is `answered` or `closed`: one reopened and not
  yet answered again is open; answered again, it counts once, by its last answer, and its time
  to answer and SLA compliance run from creation to that last answer;
- cancelled enquiries count as created, never as answered, open or overdue, nor in SLA figures;
- "open at `to`" and "overdue at `to`" are taken at `to`, or now when `to` is still ahead;
- percentiles are nearest-rank (the value at rank ⌈p·n⌉ of the sorted values), from 2 % buckets.
The tables are refreshed every minute: a change shows in the figures within a minute."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from ...extensions import db
from ...models import HOURS, Call, CallDay, DurationDay, Enquiry, EnquiryDay, EnquiryStatus, FaqDay, FaqEntry, utcnow
from ..daily import measures
from ..delivery import delivery_figures, feedback_figures
from ..period import Filters, Period, today_local
from ..telephony import telephony_figures
from .appeals import appeal_figures
from .curation import curation_figures
from .instant import never_used, open_figures
from .read import FAQ_TOP, Reader, hours, key, names, percentiles, ratio, rounded
from .targets import first_response_figures, reopen_figures

CALL_MEASURES = ["calls", "answered", "routed", "info", "dropped", "ended", "handle_seconds", "faq_assisted"]


def compute(period: Period, filters: Filters, now: datetime | None = None) -> dict:
    now = now or utcnow()
    start, end = period.bounds()
    at = min(end, now)  # "open at `to`": the future is not known yet
    reader, known = Reader(period, filters), names()
    counted = measures(EnquiryDay)
    enquiry_rows = [(coordinator_id, topic_id, dict(zip(counted, values))) for coordinator_id, topic_id, *values
                    in reader.sums(EnquiryDay, ("coordinator_id", "topic_id"), counted)]
    durations: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))  # measure → coordinator → bucket
    for measure, coordinator_id, bucket, n in reader.sums(DurationDay, ("measure", "coordinator_id", "bucket"), ["n"]):
        durations[measure][coordinator_id][bucket] += n
    enquiries = _enquiries(enquiry_rows, durations, open_figures(filters, at), known)
    enquiries["sla_by_day"] = _sla_by_day(reader)
    first_response = first_response_figures(enquiry_rows, durations, known)
    for row in enquiries["coordinators"]:
        mine = first_response["by_coordinator"].get(row["login"], {})
        row.update(first_response_hours=mine.get("median_hours"), first_response_compliance=mine.get("compliance"))
    calls, totals = _calls(reader, Reader(period.previous(), filters), known)
    faq = _faq(reader, filters, at)
    faq["assisted_share"] = ratio(totals["faq_assisted"], totals["answered"])
    faq.update(curation_figures(reader, start, end, filters, known))
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(),
                   "preset": period.preset, "as_of": at.isoformat().replace("+00:00", "Z")},
        "filters": filters.codes(),
        **calls,
        **enquiries,
        "faq": faq,
        "first_response": first_response,
        "reopen": reopen_figures(enquiry_rows, known),
        "appeals": appeal_figures(enquiry_rows, filters, at),
        "delivery": delivery_figures(start, end, filters),
        "telephony": telephony_figures(start, end, filters.operator_id, period.day_list()),
        "feedback": feedback_figures(start, end, filters),
    }


def _by_day(reader: Reader) -> tuple[dict[str, int], list[list[int]]]:
    """Calls per day of the period and the weekday × hour heatmap (Monday first), from day rows."""
    counts = {d.isoformat(): 0 for d in reader.period.day_list()}
    heatmap = [[0] * 24 for _ in range(7)]
    for day, n, *per_hour in reader.sums(CallDay, ("day",), ["calls", *HOURS], days_only=True):
        counts[day.isoformat()] = n
        heatmap[day.weekday()] = [a + b for a, b in zip(heatmap[day.weekday()], per_hour)]
    return counts, heatmap


def _calls(reader: Reader, previous: Reader, known) -> tuple[dict, dict]:
    per_operator = {operator_id: dict(zip(CALL_MEASURES, values)) for operator_id, *values
                    in reader.sums(CallDay, ("operator_id",), CALL_MEASURES)}
    totals = {name: sum(row[name] for row in per_operator.values()) for name in CALL_MEASURES}
    by = {dim: {code if dim == "channel" else key(known[dim], code): n
                for code, n in reader.sums(CallDay, (column,), ["calls"])}
          for dim, column in (("topic", "topic_id"), ("city", "city_id"), ("channel", "channel"))}
    operators = sorted(({"login": key(known["user"], operator_id), "calls": row["calls"],
                         "aht_seconds": rounded(row["handle_seconds"] / row["ended"] if row["ended"] else None),
                         "fcr": ratio(row["answered"], row["answered"] + row["routed"])}
                        for operator_id, row in per_operator.items()), key=lambda r: (-r["calls"], r["login"]))
    by_day, heatmap = _by_day(reader)
    return {
        "calls": {
            "total": totals["calls"], "by_day": by_day,
            "by_topic": by["topic"], "by_city": by["city"], "by_channel": by["channel"],
            "by_outcome": {name: totals[name] for name in ("answered", "routed", "info", "dropped")},
            "by_operator": {row["login"]: row["calls"] for row in operators},
            "heatmap": heatmap, "previous_by_day": _by_day(previous)[0],
        },
        "fcr": ratio(totals["answered"], totals["answered"] + totals["routed"]),
        "aht_seconds": rounded(totals["handle_seconds"] / totals["ended"] if totals["ended"] else None),
        "operators": operators,
    }, totals


def _enquiries(rows, durations, now_open: dict, known) -> dict:
    total: dict = defaultdict(int)
    per: dict = defaultdict(lambda: defaultdict(int))
    for coordinator_id, _topic_id, row in rows:
        for name, value in row.items():
            total[name] += value
            per[coordinator_id][name] += value
    every = defaultdict(int)
    for by_bucket in durations["answer"].values():
        for bucket, n in by_bucket.items():
            every[bucket] += n
    assign = percentiles({b: n for by_bucket in durations["assign"].values() for b, n in by_bucket.items()})
    answer = percentiles(every)
    coordinators = {}
    for user_id in set(per) | set(now_open["by_assignee"]):
        if user_id is None:
            continue
        mine = per.get(user_id, {})
        coordinators[user_id] = {
            "login": key(known["user"], user_id), "assigned": mine.get("assigned", 0),
            "answered": mine.get("answered", 0),
            "median_hours": hours(percentiles(durations["answer"].get(user_id, {}), (50,))[50]),
            "sla_compliance": ratio(mine.get("on_time"), mine.get("answered")),
            "open": now_open["by_assignee"].get(user_id, 0)}
    return {
        "enquiries": {"created": total["created"], "answered": total["answered"], "open": now_open["open"],
                      "overdue": now_open["overdue"], "cancelled": total["cancelled"]},
        "time_to_assign": {"median_seconds": rounded(assign[50]), "p90_seconds": rounded(assign[90])},
        "time_to_answer": {"median_hours": hours(answer[50]), "p90_hours": hours(answer[90]),
                           "mean_hours": hours(total["answer_seconds"] / total["answer_timed"]
                                               if total["answer_timed"] else None)},
        "sla_compliance": ratio(total["on_time"], total["answered"]),
        "backlog_aging": now_open["aging"],
        "coordinators": sorted(coordinators.values(), key=lambda r: (-r["answered"], -r["assigned"], r["login"])),
    }


def _sla_by_day(reader: Reader) -> dict[str, dict]:
    return {day.isoformat(): {"answered": n, "on_time": ok, "compliance": ratio(ok, n)}
            for day, n, ok in sorted(reader.sums(EnquiryDay, ("day",), ["answered", "on_time"], days_only=True)) if n}


def _faq(reader: Reader, filters: Filters, at: datetime) -> dict:
    uses = sorted(((entry_id, n) for entry_id, n in reader.sums(FaqDay, ("entry_id",), ["n"], where=[
        FaqDay.kind == "use"])), key=lambda r: (-r[1], r[0]))[:FAQ_TOP]
    questions = dict(db.session.execute(select(FaqEntry.id, FaqEntry.question).where(
        FaqEntry.id.in_([entry_id for entry_id, _n in uses]))).all()) if uses else {}
    return {"top": [{"id": entry_id, "question": questions.get(entry_id, ""), "uses": n} for entry_id, n in uses],
            "never_used": never_used(at, filters)}


# --- the live strip ---------------------------------------------------------------------------


def live_strip(now: datetime | None = None) -> dict[str, int]:
    """What needs a supervisor now: waiting to be routed, unassigned, breached, calls today."""
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
