"""Role checks as decorators, for the HTML views."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..models import Role


def role_required(*roles: str | Role, admin: bool = True):
    """Signed in, and holding one of `roles`. Admins pass wherever supervisors do, except with
    `admin=False`: the pages of calls, callers and enquiries, which admins do not see (SPEC 10)."""
    wanted = {Role(r) if isinstance(r, str) else r for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_any_role(current_user, wanted, admin):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def has_any_role(user, wanted: set[Role], admin: bool = True) -> bool:
    if user.role in wanted:
        return True
    return admin and user.role is Role.ADMIN and Role.SUPERVISOR in wanted
