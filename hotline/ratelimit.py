"""Fixed-window rate limits in Redis for what anyone may call without signing in: the public
enquiry form, the status lookup and Open311 (SPEC 5.6). A window is one Redis key per client and
period (INCR, then EXPIRE on the first hit), shared by every web process.

If Redis is down the request is let through and the failure logged: residents are not turned
away because the transport is out, and the database stays the source of truth (SPEC 6)."""
from __future__ import annotations

import logging
import time

import redis
from flask import request

from .queue import get_redis

log = logging.getLogger(__name__)


def client_address() -> str:
    """The client's address as the WSGI server saw it; behind a reverse proxy, set PROXY_COUNT
    so that ProxyFix puts the real client here."""
    return request.remote_addr or "-"


def allow(name: str, limit: int, per_seconds: int, key: str | None = None) -> bool:
    """True while `key` (default: the client's address) has made at most `limit` calls of `name`
    in the current window of `per_seconds`."""
    window = int(time.time() // per_seconds)
    redis_key = f"hotline:rate:{name}:{key or client_address()}:{window}"
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, per_seconds)  # the key names its window; this only bounds its life
            count = pipe.execute()[0]
    except (redis.RedisError, OSError) as exc:
        log.warning("rate limit %s not checked, Redis unavailable: %s", name, exc)
        return True
    return count <= limit
