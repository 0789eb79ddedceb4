"""The audit log for admins (SPEC 10, 12): filters by person, record, action and period, paged,
exported to CSV and XLSX."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import audit, spreadsheets
from ...auth.decorators import role_required
from ...errors import ValidationFailed
from ...extensions import db
from ...timefmt import format_local
from ...writes import writes
from .. import bp

HEADERS = (_l("Time"), _l("Person"), _l("Action"), _l("Record"), _l("Numbers"), _l("Detail"))


def _filters():
    try:
        return audit.parse_filters(request.args), {}
    except ValidationFailed as exc:
        return audit.Filters(), exc.fields


def _detail(entry) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted((entry.detail or {}).items()))


def _row(entry) -> list:
    return [format_local(entry.created_at, "%d.%m.%Y %H:%M:%S"),
            entry.actor.login if entry.actor else _("system or resident"),
            entry.action, entry.object_type, " ".join(map(str, entry.ids)), _detail(entry)]


@bp.get("/audit")
@role_required("admin")
def audit_log():
    filters, errors = _filters()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, has_next = ([], False) if errors else audit.entries(filters, page)
    return render_template("admin/audit.html", rows=rows, page=page, has_next=has_next, errors=errors,
                           args=request.args, filters=filters, actions=audit.actions(),
                           object_types=audit.object_types(), detail=_detail), 422 if errors else 200


@bp.get("/audit/export.<fmt>")
@writes
@role_required("admin")
def audit_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters, errors = _filters()
    if errors:
        abort(422)
    headers = [str(h) for h in HEADERS]
    rows = [_row(entry) for entry in audit.all_entries(filters)]
    audit.record_row(current_user, "export", "audit_entry", None, format=fmt, rows=len(rows),
                     filters=filters.as_args())
    db.session.commit()
    data = spreadsheets.to_csv(headers, rows) if fmt == "csv" else spreadsheets.to_xlsx([("audit", headers, rows)])
    mimetype = ("text/csv; charset=utf-8" if fmt == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="audit.{fmt}"'})
