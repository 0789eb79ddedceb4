"""Rate limits, from one library (Flask-Limiter) on the shared Redis: sign-in and the public form
and lookups per client address, Open311 per partner key (or per address without one), the JSON
API per token (SPEC 8.2, 8.3, 10). A 429 carries `Retry-After`.

When Redis is down, limits are counted in each web process's memory instead (Flask-Limiter's
in-memory fallback) and a storage error never fails a request: the public form still saves
(SPEC 6), and the limits come back to Redis when it does."""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from .auth.tokens import find_live
from .models import AccessToken, TokenKind

log = logging.getLogger(__name__)


def client_address() -> str:
    """The client's address as the WSGI server saw it; behind a reverse proxy, set PROXY_COUNT
    so that ProxyFix puts the real client here."""
    return request.remote_addr or "-"


# Retry-After is set by the 429 handlers (and by the sign-in delay, which the window headers would
# overwrite), so Flask-Limiter adds no headers of its own.
limiter = Limiter(key_func=client_address, key_prefix="hotline:limit", headers_enabled=False,
                  swallow_errors=True, in_memory_fallback_enabled=True, strategy="fixed-window")


def storage_uri(app: Flask) -> str:
    url = app.config.get("REDIS_URL") or ""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):]
    if url.startswith(("redis://", "rediss://")):
        return url
    # No REDIS_URL outside `make run` (which always sets one): this process's memory only.
    log.warning("rate limits are per process: REDIS_URL is not set")
    return "memory://"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(app))
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
                          if app.config["RATELIMIT_STORAGE_URI"].startswith("redis") else {})
    limiter.init_app(app)


def per(setting: str, period: str):
    """A limit read from the configuration at each request (tests and operators may change it)."""
    return lambda: f"{current_app.config[setting]}/{period}"


def bearer_key() -> str:
    """The API's client: its token (hashed; a token's limit never touches another's), else the address."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + AccessToken.hash(token.strip()[:200])
    return "address:" + client_address()


def open311_partner():
    """The live partner key this request carries as `api_key`, if any (looked up once per request)."""
    if "open311_partner" not in g:
        values = request.form if request.method == "POST" else request.args
        g.open311_partner = find_live(TokenKind.OPEN311, values.get("api_key"))
    return g.open311_partner


def open311_key() -> str:
    partner = open311_partner()
    return f"partner:{partner.id}" if partner is not None else "address:" + client_address()


def open311_limit() -> str:
    """Partners with a key have their own allowance; anyone else the anonymous one."""
    config = current_app.config
    if open311_partner() is not None:
        return f"{config['OPEN311_KEY_REQUESTS_PER_HOUR']}/hour"
    return f"{config['OPEN311_READS_PER_HOUR']}/hour"


def retry_after(error) -> str:
    """Seconds until the breached limit's window ends, for the Retry-After header."""
    limit = getattr(error, "limit", None)
    try:
        reset = limiter.current_limit.reset_at if limiter.current_limit else None
    except Exception:  # noqa: BLE001 - storage gone between the check and here: a window's length
        reset = None
    window = limit.limit.get_expiry() if limit is not None else 60
    if reset:
        return str(min(window, max(1, math.ceil(reset - time.time()))))
    return str(window)
