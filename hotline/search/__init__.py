"""Staff search (one index, two backends) and the caller page it leads to."""
from flask import Blueprint
from flask_login import current_user

bp = Blueprint("search", __name__)

from ..models import Role
from . import index, schema, views  # noqa: E402,F401
from .service import search  # noqa: E402,F401


@bp.app_template_global()
def may_search() -> bool:
    """The top bar's search box: for the people at the desk (admins see no calls or enquiries)."""
    return bool(current_user.is_authenticated and current_user.role in (Role.OPERATOR, Role.COORDINATOR,
                                                                         Role.SUPERVISOR))
