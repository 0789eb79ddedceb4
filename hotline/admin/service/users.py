"""Users, the topics and sister cities a coordinator answers for, and their API tokens."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ... import audit
from ...auth import tokens
from ...auth.service import create_user, set_coordinator_scope
from ...enquiries.routing import release_for_rerouting
from ...errors import ValidationFailed
from ...extensions import db
from ...models import AccessToken, CoordinatorGroup, Role, SisterCity, Topic, TokenKind, User
from ...request_guard import plain_name
from .base import apply_changes, invalid, text
from .routing import primary_group_ids, topic_group

PASSWORD_MIN = 8


def all_users() -> list[User]:
    """Everyone with an account, active ones first, by role and login."""
    return list(db.session.execute(select(User).order_by(User.active.desc(), User.role, User.login)).scalars())


def api_tokens_of(user: User) -> list[AccessToken]:
    """A user's API tokens, newest first, revoked and expired ones too."""
    return list(db.session.execute(
        select(AccessToken).where(AccessToken.user_id == user.id).order_by(AccessToken.created_at.desc())).scalars())


@dataclass
class Scope:
    """A coordinator's topics and sister cities as the user form shows them, and the groups they
    are in beyond their topics' own groups (managed on the routing screen)."""

    topics: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    other_groups: list[CoordinatorGroup] = field(default_factory=list)


def coordinator_scope(user: User, primary: dict[int, Topic] | None = None) -> Scope:
    primary = primary_group_ids() if primary is None else primary
    scope = Scope()
    for member in user.memberships:
        topic = primary.get(member.group_id)
        if topic is None:
            if member.group not in scope.other_groups:
                scope.other_groups.append(member.group)
            continue
        if topic.code not in scope.topics:
            scope.topics.append(topic.code)
        if member.city is not None and member.city.code not in scope.cities:
            scope.cities.append(member.city.code)
    return scope


def _check_email(email: str) -> None:
    if email and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise invalid("email", _l("This is not an e-mail address."))


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise invalid("password", _l("A password has at least 8 characters."))


def _check_scope(role: Role, topics, cities) -> None:
    if (topics or cities) and role is not Role.COORDINATOR:
        raise invalid("topics", _l("Only coordinators have topics and sister cities."))
    if cities and not topics:
        raise invalid("cities", _l("Pick the topics that these sister cities narrow."))


def add_user(actor: User, *, login: str, role: str, password: str, name: str = "", email: str = "",
             topics=(), cities=()) -> User:
    login = text(login)
    email = text(email)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", login):
        raise invalid("login", _l("A login is 1 to 64 latin letters, digits, dots, hyphens or underscores."))
    _check_password(password)
    _check_email(email)
    _check_scope(Role(role), topics, cities)
    if db.session.execute(select(User.id).where(func.lower(User.login) == login.lower())).first():
        raise invalid("login", _l("A user with login %(login)s already exists.", login=login))
    user = create_user(login, role, password, text(name), topics=list(topics), cities=list(cities), actor=actor)
    user.email = email or None
    db.session.flush()
    return user


def update_user(actor: User, user: User, *, name: str, email: str, role: str, active: bool,
                password: str = "", topics=(), cities=()) -> list[int]:
    """Change a user; returns the ids of enquiries released because a coordinator stopped being
    one (switched off, or given another role), which are then routed to others."""
    new_role = Role(role)
    old_role = user.role
    email = text(email)
    _check_email(email)
    if password:
        _check_password(password)
    if user.id == actor.id and (not active or new_role is not Role.ADMIN) and actor.role is Role.ADMIN:
        raise invalid("active" if not active else "role",
                      _l("You cannot switch off your own account or take away your own administrator role."))
    if new_role is Role.COORDINATOR or old_role is not Role.COORDINATOR:
        # (A coordinator being given another role keeps the ticks of their old scope: dropped below.)
        _check_scope(new_role, topics, cities)
    changes = apply_changes(user, {"name": plain_name(text(name)), "email": email or None, "role": new_role, "active": active})
    if "role" in changes:
        changes["role"] = [r.value for r in changes["role"]]
    if password:
        user.set_password(password)  # which ends the user's sessions
        changes["password"] = "reset"
    if new_role is Role.COORDINATOR:
        changes.update(set_scope(user, topics, cities))
    elif user.memberships:
        # Only coordinators are routed to: other roles keep no group memberships.
        user.memberships.clear()
        changes["groups"] = "left"
    if changes:
        audit.record(actor, "update", user, **changes)
    db.session.flush()
    if old_role is Role.COORDINATOR and not active and "active" in changes:
        return release_for_rerouting(user.id, reason="deactivated")
    if old_role is Role.COORDINATOR and new_role is not Role.COORDINATOR:
        return release_for_rerouting(user.id, reason="role-changed")
    return []


def set_scope(user: User, topic_codes, city_codes) -> dict:
    """Make a coordinator's memberships of the topics' own groups exactly the ticked topics ×
    cities (any city when none is ticked); memberships of other groups are left alone."""
    primary = primary_group_ids()
    topics = {t.code: t for t in db.session.execute(select(Topic).where(Topic.code.in_(list(topic_codes)))).scalars()}
    cities = {c.code: c for c in db.session.execute(
        select(SisterCity).where(SisterCity.code.in_(list(city_codes)))).scalars()}
    unknown = [c for c in topic_codes if c not in topics] + [c for c in city_codes if c not in cities]
    if unknown:
        raise ValidationFailed(_l("Unknown code: %(code)s.", code=unknown[0]))
    wanted = {(topic_group(t).id if topic_group(t) else None, cities[c].id if c else None)
              for t in topics.values() for c in (list(city_codes) or [None])}
    before = coordinator_scope(user)
    removed = 0
    for member in list(user.memberships):
        if member.group_id in primary and (member.group_id, member.city_id) not in wanted:
            user.memberships.remove(member)
            removed += 1
    db.session.flush()
    set_coordinator_scope(user, list(topic_codes), list(city_codes))
    db.session.flush()
    db.session.refresh(user, ["memberships"])
    after = coordinator_scope(user)
    if (sorted(before.topics), sorted(before.cities)) == (sorted(after.topics), sorted(after.cities)) and not removed:
        return {}
    return {"topics": sorted(after.topics), "cities": sorted(after.cities)}


def issue_api_token(actor: User, user: User, expires_in: timedelta | None = None) -> str:
    return tokens.issue(TokenKind.API, user=user, expires_in=expires_in, actor=actor)[1]


def revoke_api_token(actor: User, token: AccessToken) -> None:
    tokens.revoke(token, actor)
