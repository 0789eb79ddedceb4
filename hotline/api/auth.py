"""Bearer-token authentication and role checks for the API."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from ..auth.decorators import has_any_role
from ..auth.service import user_for_token
from ..models import Role
from .errors import json_error


def api_role_required(*roles: str | Role, admin: bool = True):
    """A valid token whose user holds one of `roles` (admins as in `role_required`)."""
    wanted = {Role(r) if isinstance(r, str) else r for r in roles}

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _sep, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return json_error(401, _("An API token is required: Authorization: Bearer TOKEN."))
            user = user_for_token(token.strip())
            if user is None:
                return json_error(401, _("The API token is not valid."))
            if not has_any_role(user, wanted, admin):
                return json_error(403, _("Your role does not allow this request."))
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator
