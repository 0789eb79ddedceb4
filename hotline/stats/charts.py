"""Chart.js configurations built from the figures; the page passes each to static/js/dashboard.js
in a data-chart attribute (no inline script under the CSP)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .tables import WEEKDAYS, Table

GREEN, GREY, BLUE, AMBER, RED = "#1a7f37", "rgba(110,110,110,0.35)", "#2f6fb0", "#c98a00", "#b3261e"


def _bar(table: Table, label: str) -> dict:
    return {"type": "bar", "labels": [row[0] for row in table.rows],
            "datasets": [{"label": label, "data": [row[1] for row in table.rows], "backgroundColor": GREEN}]}


def build_charts(figures: dict, tables: dict[str, Table]) -> dict[str, dict]:
    calls = figures["calls"]
    by_day = tables["calls_by_day"]
    heat = calls["heatmap"]
    peak = max([max(row) for row in heat] + [1])
    points = [{"x": hour, "y": day, "r": round(2 + 14 * heat[day][hour] / peak, 1), "v": heat[day][hour]}
              for day in range(7) for hour in range(24) if heat[day][hour]]
    sla = tables["sla_trend"]
    if len(by_day.rows) == 1:  # one day (Today): its hours, not a lone point
        per_hour = [sum(heat[day][hour] for day in range(7)) for hour in range(24)]
        calls_chart = {"type": "bar", "vertical": True, "labels": [f"{hour}:00" for hour in range(24)], "datasets": [
            {"label": str(_l("Calls")), "data": per_hour, "backgroundColor": GREEN}]}
    else:
        calls_chart = None
    charts = {
        "calls_by_day": {"type": "line", "labels": [row[0] for row in by_day.rows], "datasets": [
            {"label": str(_l("Calls")), "data": [row[1] for row in by_day.rows], "borderColor": GREEN,
             "backgroundColor": GREEN, "tension": 0.2, "pointRadius": 0},
            {"label": str(_l("Previous period")), "data": [row[2] for row in by_day.rows],
             "borderColor": GREY, "backgroundColor": GREY, "borderDash": [4, 3], "pointRadius": 0},
        ]},
        "heatmap": {"type": "bubble", "yLabels": [str(d) for d in WEEKDAYS],
                    "datasets": [{"label": str(_l("Calls")), "data": points, "backgroundColor": "rgba(26,127,55,0.6)"}]},
        "by_topic": _bar(tables["by_topic"], str(_l("Calls"))),
        "by_city": _bar(tables["by_city"], str(_l("Calls"))),
        "sla_trend": {"type": "line", "labels": [row[0] for row in sla.rows], "percent": True, "datasets": [
            {"label": str(_l("Compliance, %")), "data": [row[3] for row in sla.rows], "borderColor": BLUE,
             "backgroundColor": BLUE, "tension": 0.2, "pointRadius": 1}]},
        "backlog_aging": {"type": "bar", "labels": [row[0] for row in tables["backlog_aging"].rows], "datasets": [
            {"label": str(_l("Open enquiries")), "data": [row[1] for row in tables["backlog_aging"].rows],
             "backgroundColor": [GREEN, BLUE, AMBER, RED]}]},
    }
    if calls_chart is not None:
        charts["calls_by_day"] = calls_chart
    by_hour = tables["telephony_by_hour"]
    charts["telephony_by_hour"] = {"type": "bar", "vertical": True, "labels": [row[0] for row in by_hour.rows],
                                   "datasets": [
        {"label": str(_l("Answered")), "data": [row[2] for row in by_hour.rows], "backgroundColor": GREEN},
        {"label": str(_l("Abandoned")), "data": [row[3] for row in by_hour.rows], "backgroundColor": RED}]}
    return charts
