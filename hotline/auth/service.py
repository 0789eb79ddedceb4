"""Verbs of authentication: check a password (slowed down after failures), create users, issue API tokens."""
from __future__ import annotations

import secrets
from datetime import timedelta

from config import DEMO_PASSWORD
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import CoordinatorGroup, GroupMember, Role, SisterCity, Topic, TokenKind, User
from ..request_guard import plain_name
from . import throttle
from .tokens import issue, user_for_api_token


class LoginFailed(Exception):
    def __init__(self, message, retry_after: int = 0):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


# Checked against when the login is unknown, so that an unknown login costs what a known one does.
_NOBODY_HASH = generate_password_hash(secrets.token_hex(16))


def authenticate(login: str, password: str, address: str = "-") -> User:
    """The user for these credentials. Failures earn a growing wait per (login, address) and per
    address (auth/throttle.py); unknown logins are treated exactly like known ones."""
    wait = throttle.wait_seconds(login, address)
    if wait:
        raise LoginFailed(_l("Too many failed attempts. Try again in %(seconds)s s.", seconds=wait), wait)
    user = db.session.execute(select(User).where(User.login == login.strip())).scalar_one_or_none()
    if user is None:
        check_password_hash(_NOBODY_HASH, password)
    if user is None or not user.check_password(password):
        throttle.record_failure(login, address)
        raise LoginFailed(_l("Wrong login or password."))
    throttle.record_success(login, address)
    if not user.active:
        raise LoginFailed(_l("This account is switched off."))
    return user


def create_user(login: str, role: str, password: str, name: str = "", *, topics=(), cities=(),
                actor: User | None = None) -> User:
    try:
        role_value = Role(role)
    except ValueError:
        raise ValidationFailed(_l("Unknown role: %(role)s.", role=role), {"role": str(role)}) from None
    if not login or len(login) > 64:
        raise ValidationFailed(_l("A login is 1 to 64 characters."), {"login": login})
    if len(password) < 8:
        raise ValidationFailed(_l("A password has at least 8 characters."), {"password": ""})
    if db.session.execute(select(User.id).where(User.login == login)).first():
        raise Conflict(_l("A user with login %(login)s already exists.", login=login))
    user = User(login=login, role=role_value, name=plain_name(name))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    set_coordinator_scope(user, topics, cities)
    audit.record(actor, "create", user, role=role_value.value)
    return user


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """A new password; every session of the user ends."""
    if len(password) < 8:
        raise ValidationFailed(_l("A password has at least 8 characters."), {"password": ""})
    if password == DEMO_PASSWORD:
        raise ValidationFailed(_l("That is the demo password; choose another."), {"password": ""})
    user.set_password(password)
    audit.record(actor, "update", user, password="reset")


def set_coordinator_scope(user: User, topic_codes, city_codes) -> None:
    """Put a coordinator into each topic's group, narrowed to the given sister cities if any."""
    if not topic_codes:
        return
    cities = [_by_code(SisterCity, code) for code in city_codes] or [None]
    for code in topic_codes:
        topic = _by_code(Topic, code)
        group = db.session.execute(
            select(CoordinatorGroup).where(CoordinatorGroup.topic_id == topic.id).order_by(CoordinatorGroup.id)
        ).scalars().first()
        if group is None:
            raise ValidationFailed(_l("Topic %(code)s has no coordinator group; run seed-reference.", code=code))
        for city in cities:
            same_city = GroupMember.city_id == city.id if city else GroupMember.city_id.is_(None)
            exists = db.session.execute(
                select(GroupMember.id).where(
                    GroupMember.group_id == group.id, GroupMember.user_id == user.id, same_city
                )
            ).first()
            if not exists:
                db.session.add(GroupMember(group=group, user=user, city=city))


def _by_code(model, code: str):
    obj = db.session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if obj is None:
        raise ValidationFailed(_l("Unknown code: %(code)s.", code=code), {"code": code})
    return obj


def set_default_language(user: User, code: str) -> None:
    """The language the desk opens in for `user` (ru or en); "" means as their browser asks."""
    if code not in ("", *current_app.config["LANGUAGES"]):
        raise ValidationFailed(_l("Unknown language; expected ru or en."), {"language": str(code)[:10]})
    user.language = code or None
    audit.record(user, "set_language", user, language=code or None)


def issue_token(user: User, expires_in: timedelta | None = None, actor: User | None = None) -> str:
    """A new API token for `user`; only its hash is kept, so it is shown once."""
    return issue(TokenKind.API, user=user, expires_in=expires_in, actor=actor or user)[1]


def user_for_token(token: str) -> User | None:
    """The active user a live (not expired, not revoked) API token belongs to."""
    return user_for_api_token(token)
