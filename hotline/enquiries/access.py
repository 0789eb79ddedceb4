"""Who may see and act on which enquiries: one place for the HTML views and the API."""
from __future__ import annotations

from sqlalchemy import Select, or_, select

from ..extensions import db
from ..models import Enquiry, GroupMember, Role, User


def group_ids(user: User) -> list[int]:
    return list(db.session.execute(
        select(GroupMember.group_id).where(GroupMember.user_id == user.id).distinct()).scalars())


def visible(stmt: Select, user: User) -> Select:
    """Narrow a query of enquiries to what `user` may read: supervisors all; a coordinator their
    own and their groups'; an operator those they created."""
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return stmt
    if user.role is Role.COORDINATOR:
        groups = group_ids(user)
        return stmt.where(or_(Enquiry.assignee_id == user.id, Enquiry.group_id.in_(groups) if groups else False))
    return stmt.where(Enquiry.created_by_id == user.id)


def can_view(user: User, enquiry: Enquiry) -> bool:
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    if user.role is Role.COORDINATOR:
        return enquiry.assignee_id == user.id or (enquiry.group_id is not None and enquiry.group_id in group_ids(user))
    return enquiry.created_by_id == user.id


def can_work(user: User, enquiry: Enquiry) -> bool:
    """Answer, write notes, hand over, return to the operator: the assignee or a supervisor."""
    return user.role in (Role.SUPERVISOR, Role.ADMIN) or enquiry.assignee_id == user.id


def is_supervisor(user: User) -> bool:
    return user.role in (Role.SUPERVISOR, Role.ADMIN)
