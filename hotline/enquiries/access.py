"""The old names of the enquiry access rule, kept for code written against them: the rule itself
is `hotline/visibility.py` (SPEC 10, who sees what)."""
from __future__ import annotations

from sqlalchemy import Select, select

from .. import visibility
from ..extensions import db
from ..models import Enquiry, GroupMember, User


def group_ids(user: User) -> list[int]:
    return list(db.session.execute(
        select(GroupMember.group_id).where(GroupMember.user_id == user.id).distinct()).scalars())


def visible(stmt: Select, user: User) -> Select:
    """Narrow a query of enquiries to what `user` may read (`visibility.enquiries`)."""
    return visibility.enquiries(stmt, user)


def can_view(user: User, enquiry: Enquiry) -> bool:
    return visibility.can_see_enquiry(user, enquiry)


def can_work(user: User, enquiry: Enquiry) -> bool:
    """Answer, write notes, hand over, return to the operator: the assignee or a supervisor."""
    return visibility.can_work_enquiry(user, enquiry)


def is_supervisor(user: User) -> bool:
    return visibility.is_supervisor(user)
