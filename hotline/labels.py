"""Names people read for roles, statuses and outcomes; registered as template helpers."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .calls.forms import OUTCOME_LABELS
from .extensions import db
from .models import EnquiryStatus, Notification, Role
from .phones import format_phone, mask_phone
from .sla.watch import sla_state
from . import visibility

ROLE_LABELS = {
    Role.OPERATOR: _l("operator"),
    Role.COORDINATOR: _l("coordinator"),
    Role.SUPERVISOR: _l("supervisor"),
    Role.ADMIN: _l("administrator"),
}
STATUS_LABELS = {
    EnquiryStatus.NEW: _l("new"),
    EnquiryStatus.ASSIGNED: _l("assigned"),
    EnquiryStatus.ANSWERED: _l("answered"),
    EnquiryStatus.REOPENED: _l("reopened"),
    EnquiryStatus.CLOSED: _l("closed"),
    EnquiryStatus.CANCELLED: _l("cancelled"),
}
EVENT_LABELS = {
    "created": _l("registered"),
    "assigned": _l("assigned"),
    "reassigned-after-reopen": _l("back with the assignee after reopening"),
    "unrouted": _l("could not be routed"),
    "released": _l("released for re-routing"),
    "handed-over": _l("handed over"),
    "returned": _l("returned to the operator"),
    "resubmitted": _l("sent on again by the operator"),
    "answered": _l("answered"),
    "note": _l("internal note"),
    "reopened": _l("reopened"),
    "closed": _l("closed"),
    "cancelled": _l("cancelled"),
    "breached": _l("deadline missed"),
    "formal-appeal": _l("marked as a formal appeal (59-FZ)"),
    "legal-extension": _l("legal deadline extended"),
    "attachment": _l("file attached"),
}
# Roles that work with callers directly see whole numbers; the rest see them masked (SPEC 10).
FULL_PHONE_ROLES = {Role.OPERATOR, Role.COORDINATOR}


def unread_notifications() -> int:
    if not current_user.is_authenticated:
        return 0
    return db.session.execute(
        select(func.count(Notification.id)).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def phone_for_role(e164: str | None) -> str:
    if current_user.is_authenticated and current_user.role in FULL_PHONE_ROLES:
        return format_phone(e164)
    return mask_phone(e164)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["phone_for_role"] = phone_for_role
    app.jinja_env.globals.update(
        role_label=ROLE_LABELS.get,
        status_label=STATUS_LABELS.get,
        outcome_label=OUTCOME_LABELS.get,
        event_label=lambda kind: EVENT_LABELS.get(kind, kind),
        sla_state=sla_state,
        can_see_call=visibility.can_see_call,
        unread_notifications=unread_notifications,
    )
