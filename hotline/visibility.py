"""Who sees what (SPEC 10): one rule per record kind — calls, callers, enquiries — each as a query
filter and an object check, used by the pages, the API, search, exports and the audit alike.
Attachments and an enquiry's thread follow their enquiry.

| role        | calls and callers                              | enquiries                                  |
|-------------|------------------------------------------------|--------------------------------------------|
| operator    | own calls in full; others' as the caller-card  | those they created                         |
|             | summary; every caller (they look them up)      |                                            |
| coordinator | the calls and callers of enquiries they see    | assigned to them, or in their groups'      |
|             |                                                | topics *and* sister cities                 |
| supervisor  | all                                            | all                                        |
| admin       | none (only through the privacy pages)          | none (only through the privacy pages)      |

A coordinator's group covers the enquiries of the group's topic and those routed to the group;
a membership with a sister city narrows both to that city.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true

from .extensions import db
from .models import Call, Caller, CoordinatorGroup, Enquiry, GroupMember, Role, User


def _role(user) -> Role | None:
    return getattr(user, "role", None) if user is not None and getattr(user, "is_authenticated", True) else None


# Enquiries (and what follows them: attachments, notes, the trail) ---------------------------------

def enquiry_condition(user: User, of=Enquiry) -> ColumnElement[bool]:
    """A WHERE clause over `Enquiry` that keeps what `user` may read. `of` may name another
    entity carrying an enquiry's topic_id, city_id, group_id, assignee_id and created_by_id
    (the search index does), so that the one rule filters it too."""
    role = _role(user)
    if role is Role.SUPERVISOR:
        return true()
    if role is Role.COORDINATOR:
        covered = (select(GroupMember.id)
                   .join(CoordinatorGroup, CoordinatorGroup.id == GroupMember.group_id)
                   .where(GroupMember.user_id == user.id,
                          or_(CoordinatorGroup.topic_id == of.topic_id, GroupMember.group_id == of.group_id),
                          or_(GroupMember.city_id.is_(None), GroupMember.city_id == of.city_id)))
        return or_(of.assignee_id == user.id, exists(covered))
    if role is Role.OPERATOR:
        return of.created_by_id == user.id
    return false()


def enquiries(stmt: Select, user: User) -> Select:
    """Narrow a query of enquiries to what `user` may read."""
    return stmt.where(enquiry_condition(user))


def memberships(user: User) -> list[tuple[int, int | None, int | None]]:
    """(group id, group topic id, city id or None) of each of a coordinator's memberships."""
    return list(db.session.execute(
        select(GroupMember.group_id, CoordinatorGroup.topic_id, GroupMember.city_id)
        .join(CoordinatorGroup, CoordinatorGroup.id == GroupMember.group_id)
        .where(GroupMember.user_id == user.id)).all())


def can_see_enquiry(user: User, enquiry: Enquiry | None) -> bool:
    if enquiry is None:
        return False
    role = _role(user)
    if role is Role.SUPERVISOR:
        return True
    if role is Role.COORDINATOR:
        if enquiry.assignee_id == user.id:
            return True
        return any((topic_id == enquiry.topic_id or group_id == enquiry.group_id)
                   and (city_id is None or city_id == enquiry.city_id)
                   for group_id, topic_id, city_id in memberships(user))
    if role is Role.OPERATOR:
        return enquiry.created_by_id is not None and enquiry.created_by_id == user.id
    return False


def can_work_enquiry(user: User, enquiry: Enquiry) -> bool:
    """Answer, write notes, hand over, return, close: the assignee (a coordinator) or a supervisor.
    Admins work no enquiries (they see none)."""
    role = _role(user)
    if role is Role.SUPERVISOR:
        return True
    return role is Role.COORDINATOR and enquiry.assignee_id == user.id


def is_supervisor(user: User) -> bool:
    """Supervisors' powers over enquiries (reassign, cancel any, see all): admins do not have them."""
    return _role(user) is Role.SUPERVISOR


def can_see_attachment(user: User, attachment) -> bool:
    """An attachment (anything with `enquiry` or `enquiry_id`) is seen by whom its enquiry is."""
    enquiry = getattr(attachment, "enquiry", None)
    if enquiry is None and getattr(attachment, "enquiry_id", None) is not None:
        enquiry = db.session.get(Enquiry, attachment.enquiry_id)
    return can_see_enquiry(user, enquiry)


# Calls ---------------------------------------------------------------------------------------------

def call_condition(user: User) -> ColumnElement[bool]:
    """A WHERE clause over `Call` keeping the calls `user` may read in full."""
    role = _role(user)
    if role is Role.SUPERVISOR:
        return true()
    if role is Role.OPERATOR:
        return Call.operator_id == user.id
    if role is Role.COORDINATOR:
        return exists(select(Enquiry.id).where(Enquiry.call_id == Call.id, enquiry_condition(user)))
    return false()


def calls(stmt: Select, user: User) -> Select:
    """Narrow a query of calls to those `user` may read in full."""
    return stmt.where(call_condition(user))


def can_see_call(user: User, call: Call | None) -> bool:
    """Read the call in full (the question, the answer, the caller's details)."""
    if call is None:
        return False
    role = _role(user)
    if role is Role.SUPERVISOR:
        return True
    if role is Role.OPERATOR:
        return call.operator_id is not None and call.operator_id == user.id
    if role is Role.COORDINATOR:
        enquiry = call.enquiry
        return enquiry is not None and can_see_enquiry(user, enquiry)
    return False


def summary_condition(user: User, model) -> ColumnElement[bool]:
    """What a caller card lists (date, topic, outcome, reference, status) of `model` (Call or
    Enquiry): operators see every call and enquiry of the caller there; coordinators what they
    may read; supervisors all."""
    role = _role(user)
    if role in (Role.SUPERVISOR, Role.OPERATOR):
        return true()
    if role is Role.COORDINATOR:
        return call_condition(user) if model is Call else enquiry_condition(user)
    return false()


# Callers -------------------------------------------------------------------------------------------

def caller_condition(user: User) -> ColumnElement[bool]:
    """A WHERE clause over `Caller`: operators and supervisors every caller; a coordinator the
    callers of enquiries they may read."""
    role = _role(user)
    if role in (Role.SUPERVISOR, Role.OPERATOR):
        return true()
    if role is Role.COORDINATOR:
        return exists(select(Enquiry.id).where(Enquiry.caller_id == Caller.id, enquiry_condition(user)))
    return false()


def callers(stmt: Select, user: User) -> Select:
    return stmt.where(caller_condition(user))


def can_see_caller(user: User, caller: Caller | None) -> bool:
    if caller is None:
        return False
    role = _role(user)
    if role in (Role.SUPERVISOR, Role.OPERATOR):
        return True
    if role is Role.COORDINATOR:
        return db.session.execute(
            select(exists(select(Enquiry.id).where(Enquiry.caller_id == caller.id, enquiry_condition(user))))
        ).scalar()
    return False


# Search documents ---------------------------------------------------------------------------------

def document_branches(user: User, doc) -> dict[str, list[ColumnElement[bool]]]:
    """SPEC 10 over the search index (`SearchDocument`): for each kind of document, the branches
    whose union `user` may see — an enquiry's by the enquiry rule, a call's by the call rule (its
    copy of its enquiry's columns standing for the enquiry), a caller's by the caller rule. Each
    branch narrows by an indexed column, so a search can walk each branch's documents newest
    first instead of filtering everything it matched. A kind left out is not seen at all."""
    role = _role(user)
    if role is Role.SUPERVISOR:
        return {"enquiry": [true()], "call": [true()], "caller": [true()]}
    if role is Role.OPERATOR:
        return {"enquiry": [enquiry_condition(user, of=doc)], "call": [doc.operator_id == user.id],
                "caller": [true()]}
    if role is Role.COORDINATOR:
        # The enquiry rule with the coordinator's memberships read once and written out as plain
        # comparisons, a branch each; a call follows its enquiry; then the callers of what they see.
        covered = [doc.assignee_id == user.id]
        for group_id, topic_id, city_id in memberships(user):
            city = true() if city_id is None else doc.city_id == city_id
            covered.append(and_(doc.group_id == group_id, city))
            if topic_id is not None:
                covered.append(and_(doc.topic_id == topic_id, city))
        return {"enquiry": covered, "call": [and_(branch, doc.enquiry_id.is_not(None)) for branch in covered],
                "caller": [exists(select(Enquiry.id).where(Enquiry.caller_id == doc.caller_id,
                                                           enquiry_condition(user)))]}
    return {}


def document_condition(user: User, doc) -> ColumnElement[bool]:
    """A WHERE clause over the search index: the union of `document_branches`."""
    branches = document_branches(user, doc)
    if not branches:
        return false()
    if all(len(conditions) == 1 and conditions[0] is true() for conditions in branches.values()) \
            and set(branches) == {"enquiry", "call", "caller"}:
        return true()
    return or_(*[and_(doc.kind == kind, or_(*conditions)) for kind, conditions in branches.items()])


# The scope as words of the index --------------------------------------------------------------------

# A search document's scope columns are also indexed as words (its `scope` field), so that the
# full-text index itself keeps a user's documents while it walks the matches: the words of
# `document_branches`, one per branch a document can be seen by.
_KIND_KEY = {"enquiry": "se", "call": "sc", "caller": "sp"}


def document_scope(doc: dict) -> str:
    """The scope words of one search document (a dict of its columns)."""
    prefix = _KIND_KEY[doc["kind"]]
    keys = [prefix]
    if doc["kind"] == "call" and doc.get("operator_id") is not None:
        keys.append(f"{prefix}op{doc['operator_id']}")
    if doc["kind"] == "enquiry" and doc.get("created_by_id") is not None:
        keys.append(f"{prefix}cb{doc['created_by_id']}")
    if doc["kind"] in ("enquiry", "call") and doc.get("enquiry_id") is not None:
        if doc.get("assignee_id") is not None:
            keys.append(f"{prefix}as{doc['assignee_id']}")
        for column, short in (("group_id", "gr"), ("topic_id", "tp")):
            if doc.get(column) is not None:
                keys.append(f"{prefix}{short}{doc[column]}")
                if doc.get("city_id") is not None:
                    keys.append(f"{prefix}{short}{doc[column]}c{doc['city_id']}")
    return " ".join(keys)


def scope_keys(user: User) -> dict[str, list[str]] | None:
    """`document_branches` as scope words: for each kind, a document `user` may see holds one of
    its kind's words (None: every document is seen). For enquiries and calls the words decide
    exactly; for a coordinator's callers (the callers of what they see) they only narrow, and
    the rule itself decides."""
    role = _role(user)
    if role is Role.SUPERVISOR:
        return None
    if role is Role.OPERATOR:
        return {"enquiry": [f"secb{user.id}"], "call": [f"scop{user.id}"], "caller": ["sp"]}
    if role is Role.COORDINATOR:
        covered = [f"as{user.id}"]
        for group_id, topic_id, city_id in memberships(user):
            city = "" if city_id is None else f"c{city_id}"
            covered.append(f"gr{group_id}{city}")
            if topic_id is not None:
                covered.append(f"tp{topic_id}{city}")
        return {"enquiry": [f"se{key}" for key in covered], "call": [f"sc{key}" for key in covered],
                "caller": ["sp"]}
    return {}


# Phones --------------------------------------------------------------------------------------------

def full_phone(user: User, detail: bool) -> bool:
    """Whole numbers for operators and coordinators (on what they may see); supervisors see them
    masked in lists and exports and whole on a detail page."""
    role = _role(user)
    if role in (Role.OPERATOR, Role.COORDINATOR):
        return True
    return role is Role.SUPERVISOR and detail


__all__ = [
    "call_condition", "caller_condition", "callers", "calls", "can_see_attachment", "can_see_call",
    "document_branches", "document_condition", "document_scope", "scope_keys",
    "can_see_caller", "can_see_enquiry", "can_work_enquiry", "enquiries", "enquiry_condition", "full_phone",
    "is_supervisor", "memberships", "summary_condition",
]
