"""CTI integrations: one hashed token per phone system (hotline/auth/tokens.py, kind `cti`), the
events each has posted and how many posts were refused (a bad or revoked token, a malformed event)."""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from ..auth import tokens
from ..extensions import db
from ..models import AccessToken, CtiEvent, TokenKind
from ..queue import get_redis

log = logging.getLogger(__name__)
REFUSED_KEY = "cti:refused:{}"


def find_integration(secret: str) -> AccessToken | None:
    return tokens.find_live(TokenKind.CTI, secret)


def count_refused(secret: str | None) -> None:
    """One refused post, counted against the integration whose (revoked, expired) token it
    carried, else against `unknown`. Redis keeps the count: it is for an admin's eyes only."""
    owner = "unknown"
    if secret and len(secret) <= tokens.MAX_SECRET_LENGTH:
        found = db.session.execute(select(AccessToken.id).where(
            AccessToken.token_hash == AccessToken.hash(secret), AccessToken.kind == TokenKind.CTI)).scalar()
        owner = str(found) if found else owner
    try:
        get_redis().incr(REFUSED_KEY.format(owner))
    except Exception as exc:  # noqa: BLE001 - a lost count must not fail the answer
        log.warning("refused CTI post not counted: %s", exc)


def count_refused_for(integration_id: int) -> None:
    try:
        get_redis().incr(REFUSED_KEY.format(integration_id))
    except Exception as exc:  # noqa: BLE001
        log.warning("refused CTI post not counted: %s", exc)


def refused_counts(ids: list[int]) -> dict:
    keys = [str(i) for i in ids] + ["unknown"]
    try:
        values = get_redis().mget([REFUSED_KEY.format(k) for k in keys])
    except Exception:  # noqa: BLE001
        values = [None] * len(keys)
    return {k if k == "unknown" else int(k): int(v or 0) for k, v in zip(keys, values)}


def integrations() -> list[dict]:
    """Each integration with its last event and event counts, newest first."""
    found = tokens.tokens_of(TokenKind.CTI)
    stats = dict((row[0], (row[1], row[2])) for row in db.session.execute(
        select(CtiEvent.integration_id, func.max(CtiEvent.received_at), func.count(CtiEvent.id))
        .group_by(CtiEvent.integration_id)).all())
    refused = refused_counts([t.id for t in found])
    return [{"token": t, "last_event": stats.get(t.id, (None, 0))[0], "events": stats.get(t.id, (None, 0))[1],
             "refused": refused.get(t.id, 0)} for t in found]
