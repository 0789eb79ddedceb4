"""The navigation: each capability's page and the roles that may open it."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..auth.decorators import has_any_role
from ..models import Role

O, C, S, A = Role.OPERATOR, Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN

NAV = [
    ("calls.new_call", _l("New call"), {O, S}),
    ("enquiries.inbox", _l("Inbox"), {C, S}),
    ("enquiries.lists", _l("Enquiries"), {O, C, S}),
    ("calls.my_calls", _l("Calls"), {O, C, S}),
    ("callbacks.index", _l("Call-backs"), {O, S}),
    ("faq.index", _l("FAQ"), {O, C, S}),
    ("stats.dashboard", _l("Dashboard"), {S}),
    ("telephony.wallboard", _l("Wallboard"), {S}),
    ("admin.index", _l("Administration"), {S}),  # supervisors see absences and routing there
    ("privacy.index", _l("Personal data"), {S}),
    ("mail.outbox", _l("Outbox"), {A}),
    ("imports.index", _l("Imports"), {A}),
]
# Pages of calls, callers, enquiries and call-backs: admins do not see them (SPEC 10).
DESK_PAGES = {"calls.new_call", "enquiries.inbox", "enquiries.lists", "calls.my_calls", "callbacks.index"}
# The first page in this order that the role may open is its home.
HOME_ORDER = {
    O: ["calls.new_call"],
    C: ["enquiries.inbox", "calls.my_calls"],
    S: ["stats.dashboard", "enquiries.inbox", "calls.my_calls"],
    A: ["admin.index", "stats.dashboard"],
}


def nav_items(user) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, roles in NAV
            if endpoint in current_app.view_functions and has_any_role(user, roles, endpoint not in DESK_PAGES)]


def home_endpoint(user) -> str:
    for endpoint in HOME_ORDER[user.role]:
        if endpoint in current_app.view_functions:
            return endpoint
    return "calls.my_calls"
