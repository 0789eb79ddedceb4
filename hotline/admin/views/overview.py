"""The administration overview, and the section list that every admin page shows."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...auth.decorators import has_any_role, role_required
from ...models import Role
from .. import bp, service

A, S = Role.ADMIN, Role.SUPERVISOR
# (endpoint, label, roles that may open it); the overview lists what the person may open.
SECTIONS = [
    ("admin.users", _l("Users and API keys"), {A}),
    ("admin.absences", _l("Absences"), {S}),
    ("admin.routing", _l("Routing rules and groups"), {S}),
    ("admin.sla", _l("SLA targets"), {A}),
    ("admin.calendar", _l("Calendar"), {A}),
    ("admin.reference", _l("Topics and sister cities"), {A}),
    ("admin.partner_keys", _l("Open311 keys"), {A}),
    ("admin.mail_templates", _l("Letters to residents"), {A}),
    ("admin.cti_integrations", _l("Phone systems (CTI)"), {A}),
    ("admin.audit_log", _l("Audit log"), {A}),
]


@bp.context_processor
def _sections():
    if not current_user.is_authenticated:
        return {}
    return {"admin_sections": [(e, label) for e, label, roles in SECTIONS if has_any_role(current_user, roles)]}


@bp.get("/")
@role_required("supervisor")
def index():
    return render_template("admin/index.html", counts=service.counts(), warnings=service.routing_warnings(),
                           absences=service.absent_now())
