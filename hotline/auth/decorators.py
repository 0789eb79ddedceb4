"""Role checks as decorators, for the HTML views."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..models import Role


def role_required(*roles: str | Role):
    """Signed in, and holding one of `roles` (admins pass wherever supervisors do)."""
    wanted = {Role(r) if isinstance(r, str) else r for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_any_role(current_user, wanted):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def has_any_role(user, wanted: set[Role]) -> bool:
    if user.role in wanted:
        return True
    return user.role is Role.ADMIN and Role.SUPERVISOR in wanted
