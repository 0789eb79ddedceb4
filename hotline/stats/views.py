"""The supervisors' dashboard (SPEC 7, 12): period and filters in the URL, the live strip, KPI
tiles, charts with their tables, and their exports (written in the request, any period)."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.decorators import role_required
from ..calls.forms import CHANNEL_LABELS
from ..errors import ServiceError
from ..extensions import db
from ..models import Role, User
from ..reference import city_choices, topic_choices
from .. import numbers, spreadsheets
from . import bp, export
from .figures.appeals import appeal_report
from .charts import build_charts
from .figures import compute, live_strip
from .period import FILTERS, PRESETS, Filters, parse_filters, parse_period, preset_period, today_local
from .tables import build_tables

def _query_args() -> dict[str, str]:
    keys = ("period", "from", "to", *FILTERS)
    return {key: request.args[key] for key in keys if request.args.get(key)}


def _people(role: Role) -> list[tuple[str, str]]:
    return [(login, name or login) for login, name in db.session.execute(
        select(User.login, User.name).where(User.role == role).order_by(User.name, User.login)).all()]


@bp.route("/")
@role_required("supervisor")
def dashboard():
    errors: dict[str, str] = {}
    try:
        period = parse_period(request.args)
        filters = parse_filters(request.args)
    except ServiceError as exc:
        flash(str(exc.message), "error")
        errors = {k: str(v) for k, v in exc.fields.items()}
        period, filters = preset_period("30d"), Filters()
    figures = compute(period, filters)
    tables = build_tables(figures)
    return render_template(
        "stats/dashboard.html", period=period, filters=filters, figures=figures, tables=tables,
        charts=build_charts(figures, tables), live=live_strip(), today_iso=today_local().isoformat(),
        args=_query_args(), errors=errors,
        presets=PRESETS, topics=topic_choices(_("all topics")), cities=city_choices(_("all sister cities")),
        channels=[("", _("all channels"))] + [(c.value, str(label)) for c, label in CHANNEL_LABELS.items()],
        operators=_people(Role.OPERATOR), coordinators=_people(Role.COORDINATOR),
        timedelta_day=timedelta(days=1),
        pct=numbers.percent, hours=numbers.hours, seconds=numbers.seconds,
    )


@bp.get("/live")
@role_required("supervisor")
def live():
    return render_template("stats/_live.html", live=live_strip(), today_iso=today_local().isoformat())


@bp.get("/export/<name>.<fmt>")
@role_required("supervisor")
def export_table(name: str, fmt: str):
    if not export.exportable(name, fmt):
        abort(404)
    try:
        period = parse_period(request.args)
        filters = parse_filters(request.args)
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("stats.dashboard", **_query_args()))
    data = export.render(build_tables(compute(period, filters)), name, fmt)
    return _send(data, export.filename(name, fmt, period.start.isoformat(), period.end.isoformat()))


@bp.get("/appeals.<fmt>")
@role_required("supervisor")
def appeals_report(fmt: str):
    """The department's report of 59-FZ appeals for the period: one row per appeal (CSV or XLSX)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        period = parse_period(request.args)
        filters = parse_filters(request.args)
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("stats.dashboard", **_query_args()))
    start, end = period.bounds()
    headers, rows = appeal_report(start, end, filters, str(get_locale() or "ru"))
    data = spreadsheets.to_csv(headers, rows) if fmt == "csv" else spreadsheets.to_xlsx([("appeals", headers, rows)])
    return _send(data, export.filename("appeals", fmt, period.start.isoformat(), period.end.isoformat()))


def _send(data: bytes, name: str):
    mimetype = ("text/csv" if name.endswith(".csv")  # Flask adds "; charset=utf-8" to text types
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
