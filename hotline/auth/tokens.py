"""Verbs of the one hashed-token model (hotline/models/tokens.py): issue a secret of a kind, find
the live token a secret belongs to, revoke. API tokens, Open311 partner keys and CTI integration
tokens all go through here; the secret is returned once and only its hash is kept."""
from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta

from flask import Flask, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, update

from .. import audit
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import AccessToken, TokenKind, User, utcnow

log = logging.getLogger(__name__)

PREFIXES = {TokenKind.API: "zl_", TokenKind.OPEN311: "zl311_", TokenKind.CTI: "zlcti_"}
# Last use is written at most this often per token: one UPDATE a minute, not one per request.
TOUCH_EVERY = timedelta(seconds=60)
MAX_SECRET_LENGTH = 200
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dhw]?)\s*$")


def parse_duration(text: str) -> timedelta:
    """`90d`, `12h`, `2w` or a plain number of days."""
    match = _DURATION.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValidationFailed(_l("A lifetime is a number of days, like 90d (or 12h, 2w)."), {"expires": text})
    number, unit = int(match.group(1)), match.group(2) or "d"
    return {"d": timedelta(days=number), "h": timedelta(hours=number), "w": timedelta(weeks=number)}[unit]


def issue(kind: TokenKind, *, user: User | None = None, name: str | None = None,
          expires_in: timedelta | None = None, actor: User | None = None) -> tuple[AccessToken, str]:
    """A new token of `kind` for `user` (API) or `name` (partner key, CTI integration)."""
    if kind is TokenKind.API:
        if user is None:
            raise ValidationFailed(_l("An API token belongs to a user."))
        if not user.active:
            raise ValidationFailed(_l("A switched-off user cannot be given an API token."))
    else:
        name = (name or "").strip()
        if not name or len(name) > 100 or any(ord(c) < 32 for c in name):
            raise ValidationFailed(_l("A name is 1 to 100 printable characters."), {"name": name[:100]})
        if live_by_name(kind, name):
            raise Conflict(_l("%(name)s already has a live key; revoke it first.", name=name))
    secret = PREFIXES[kind] + secrets.token_urlsafe(32)
    now = utcnow()
    token = AccessToken(kind=kind, user_id=user.id if user else None, name=name if kind is not TokenKind.API else None,
                        token_hash=AccessToken.hash(secret), prefix=secret[:len(PREFIXES[kind]) + 6],
                        created_at=now, created_by_id=actor.id if actor else None,
                        expires_at=now + expires_in if expires_in else None)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "issue_token", token, kind=kind.value, user=user.login if user else None, name=token.name,
                 prefix=token.prefix, expires_at=token.expires_at.isoformat() if token.expires_at else None)
    return token, secret


_FIND = (select(AccessToken).where(AccessToken.token_hash == bindparam("token_hash"),
                                   AccessToken.kind == bindparam("kind"), AccessToken.revoked_at.is_(None)))


def find_live(kind: TokenKind, secret: str | None) -> AccessToken | None:
    """The live (not revoked, not expired) token of `kind` this secret belongs to, or None.
    Its last use is recorded after the request (see `init_app`)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH or "\x00" in secret:
        return None
    token = db.session.execute(_FIND, {"token_hash": AccessToken.hash(secret), "kind": kind}).scalar_one_or_none()
    now = utcnow()
    if token is None or not token.is_live(now):
        return None
    if kind is TokenKind.API and (token.user is None or not token.user.active):
        return None
    if token.last_used_at is None or token.last_used_at < now - TOUCH_EVERY:
        if has_request_context():
            g.setdefault("tokens_used", set()).add(token.id)
        else:
            touch(token.id, now)
    return token


def touch(token_id: int, now: datetime | None = None) -> None:
    now = now or utcnow()
    db.session.execute(update(AccessToken).where(
        AccessToken.id == token_id,
        or_(AccessToken.last_used_at.is_(None), AccessToken.last_used_at < now - TOUCH_EVERY),
    ).values(last_used_at=now))


def user_for_api_token(secret: str | None) -> User | None:
    token = find_live(TokenKind.API, secret)
    return token.user if token else None


def live_by_name(kind: TokenKind, name: str) -> list[AccessToken]:
    now = utcnow()
    rows = db.session.execute(select(AccessToken).where(
        AccessToken.kind == kind, AccessToken.name == name, AccessToken.revoked_at.is_(None))).scalars()
    return [t for t in rows if t.is_live(now)]


def revoke(token: AccessToken, actor: User | None = None) -> bool:
    """Revoke one token; False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "revoke_token", token, kind=token.kind.value,
                 user=token.user.login if token.user else None, name=token.name, prefix=token.prefix)
    return True


def revoke_all(kind: TokenKind, *, user: User | None = None, name: str | None = None,
               actor: User | None = None) -> int:
    """Revoke every unrevoked token of `kind` of `user` or of `name`; how many were."""
    stmt = select(AccessToken).where(AccessToken.kind == kind, AccessToken.revoked_at.is_(None))
    stmt = stmt.where(AccessToken.user_id == user.id) if user is not None else stmt.where(AccessToken.name == name)
    return sum(revoke(token, actor) for token in db.session.execute(stmt).scalars().all())


def tokens_of(kind: TokenKind, user: User | None = None) -> list[AccessToken]:
    stmt = select(AccessToken).where(AccessToken.kind == kind)
    if user is not None:
        stmt = stmt.where(AccessToken.user_id == user.id)
    return list(db.session.execute(stmt.order_by(AccessToken.created_at.desc(), AccessToken.id.desc())).scalars())


def init_app(app: Flask) -> None:
    @app.after_request
    def record_last_use(response):
        """After the view (which has committed what it meant to keep), one short transaction
        records when the tokens of this request were last used."""
        used = g.pop("tokens_used", None)
        if used:
            try:
                db.session.rollback()
                now = utcnow()
                for token_id in used:
                    touch(token_id, now)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - a lost last-use time must not fail the answer
                db.session.rollback()
                log.warning("last use of tokens %s not recorded: %s", sorted(used), exc)
        return response
