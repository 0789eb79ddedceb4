"""GET /api/v1/audit (SPEC 8.2): the audit log for admins, newest first, with the page's filters."""
from __future__ import annotations

from flask import jsonify, request

from .. import audit
from . import bp
from .auth import api_role_required
from .schemas import AuditPage, AuditQuery
from .spec import responses, validate

PER_PAGE_MAX = 500


@bp.get("/audit")
@api_role_required("admin")
@validate(query=AuditQuery, resp=responses(200, AuditPage, 401, 403, 422))
def list_audit():
    """The audit log, newest first (admins)"""
    filters = audit.parse_filters(request.args)  # a ValidationFailed is the API's 422
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = min(max(request.args.get("per_page", audit.PAGE_SIZE, type=int) or audit.PAGE_SIZE, 1), PER_PAGE_MAX)
    rows, has_next = audit.entries(filters, page, per_page)
    return jsonify({"filters": filters.as_args(), "page": page, "per_page": per_page, "has_next": has_next,
                    "entries": [audit.entry_json(e) for e in rows]})
