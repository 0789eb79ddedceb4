"""The figures from the daily rollup (no filter or one filter): cube rows of the served days
plus the live days, through `CubeReader`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import CallOutcome, FaqEntry
from ..period import Filters
from ..rollup import CubeReader
from .instant import _enquiry_source, _never_used, _open_figures
from .shape import FAQ_TOP, _coordinator_rows, _hours, _id_or_none, _key, _ratio, _round

# Every (fact, gdim, by day) the figures below read, for `load_rows` to read at once.
ROWS = [("call", "", False), ("call", "wh", False), ("call", "operator", False), ("call", "topic", False),
        ("call", "city", False), ("call", "channel", False), ("call", "", True), ("created", "", False),
        ("answered", "", False), ("answered", "", True), ("assigned", "coordinator", False),
        ("answered", "coordinator", False), ("faq", "entry", False), ("created", "b", False),
        ("answered", "b", False), ("answered", "cb", False)]


def load_rows(cube: CubeReader, previous: CubeReader) -> None:
    """Read every cube row of the figures in two statements per reader (served, live) rather than
    two per (fact, gdim): a round trip each cost more than most of them take."""
    cube.load(ROWS)
    previous.load([("call", "", True)])


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
    assign, answer, medians = cube.many_percentiles([("assign", (50, 90), False), ("answer", (50, 90), False),
                                                     ("answer", (50,), True)])
    assigned = {int(g): v[0] for g, v in cube.rows("assigned", "coordinator").items() if g}
    by_coordinator = {int(g): (v[0], v[1]) for g, v in cube.rows("answered", "coordinator").items() if g}
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
        select(FaqEntry.id, FaqEntry.question).where(FaqEntry.id.in_([entry for entry, _n in top_rows]))).all()
    ) if top_rows else {}
    top = [{"id": entry, "question": questions.get(entry, ""), "uses": n} for entry, n in top_rows]
    total = cube.rows("call", "").get("", [0] * 7 + [0.0])
    return {"top": top, "assisted_share": _ratio(total[6], total[1]), "never_used": _never_used(at, filters)}
