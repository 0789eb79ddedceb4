"""The enquiry lists page (open, answered, closed, cancelled, all) with its filters in the URL,
sorting, paging, and the same list as CSV or XLSX."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import audit, spreadsheets, visibility
from ..auth.decorators import role_required
from ..extensions import db
from ..labels import CHANNEL_LABELS, enquiry_status
from ..models import utcnow
from ..phones import format_phone, mask_phone
from ..reference import city_choices, topic_choices
from ..sla.watch import sla_state
from ..timefmt import format_local
from ..writes import writes
from . import bp
from .lists import (
    EXPORT_MAX, VIEW_LABELS, VIEWS, ListError, ListFilters, active_coordinators, everything, page, parse_filters,
)

HEADERS = (_l("Reference"), _l("Created"), _l("Status"), _l("Topic"), _l("Sister city"), _l("Channel"),
           _l("Assignee"), _l("Caller"), _l("Phone"), _l("Question"), _l("Answer"), _l("Answered"), _l("Due"),
           _l("SLA"), _l("59-FZ"))
SORT_LABELS = {"created": _l("Created"), "due": _l("Due"), "answered": _l("Answered"), "reference": _l("Reference")}
SLA_LABELS = {"ok": _l("on time"), "warning": _l("due soon"), "breached": _l("overdue")}


def _filters():
    try:
        return parse_filters(request.args, default_status="open"), {}
    except ListError as exc:
        return ListFilters(status="open", statuses=VIEWS["open"]), exc.fields


@bp.get("/list")
@writes
@role_required("operator", "coordinator", "supervisor", admin=False)
def lists():
    filters, errors = _filters()
    enquiries, has_next = ([], False) if errors else page(current_user, filters)
    if audit.record_list(current_user, "enquiry", [e.id for e in enquiries], via="list"):
        db.session.commit()
    return render_template(
        "enquiries/list.html", enquiries=enquiries, has_next=has_next, filters=filters, errors=errors,
        views=VIEW_LABELS, sorts=SORT_LABELS, sla_labels=SLA_LABELS, channels=CHANNEL_LABELS,
        topics=topic_choices(_("— any —")), cities=city_choices(_("— any —")), coordinators=active_coordinators(),
        now=utcnow()), 422 if errors else 200


def _when(value) -> str:
    return format_local(value) if value else ""


def _row(enquiry, full_phone: bool, now) -> list:
    caller = enquiry.caller
    phone = caller.phone if caller else None
    state = sla_state(enquiry, now).value
    return [
        enquiry.reference, _when(enquiry.created_at), enquiry_status(enquiry),
        enquiry.topic.name_ru, enquiry.city.name_ru if enquiry.city else "",
        str(CHANNEL_LABELS[enquiry.call.channel]) if enquiry.call else "",
        enquiry.assignee.display_name if enquiry.assignee else "",
        caller.name if caller else "", (format_phone(phone) if full_phone else mask_phone(phone)) if phone else "",
        enquiry.question, enquiry.answer or "", _when(enquiry.answered_at), _when(enquiry.due_at),
        str(SLA_LABELS[state]) if state in SLA_LABELS else "", _("yes") if enquiry.formal_appeal else "",
    ]


@bp.get("/list/export.<fmt>")
@writes
@role_required("operator", "coordinator", "supervisor", admin=False)
def export_list(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters, errors = _filters()
    if errors:
        abort(422)
    enquiries = everything(current_user, filters)
    now = utcnow()
    full = visibility.full_phone(current_user, detail=False)  # supervisors: masked in exports
    rows = [_row(e, full, now) for e in enquiries]
    audit.record_list(current_user, "enquiry", [e.id for e in enquiries], action="export", via="list",
                      format=fmt, filters=filters.as_args(page=None))
    db.session.commit()
    headers = [str(h) for h in HEADERS]
    data = spreadsheets.to_csv(headers, rows) if fmt == "csv" else spreadsheets.to_xlsx([("enquiries", headers, rows)])
    mimetype = ("text/csv; charset=utf-8" if fmt == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = Response(data, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="enquiries-{filters.status}.{fmt}"'})
    if len(enquiries) >= EXPORT_MAX:
        response.headers["X-Truncated"] = str(EXPORT_MAX)
    return response

