"""Which transactions write: requests with unsafe methods, views marked `@writes`, and all work
outside a request (CLI, jobs). Only SQLite needs to know (see `_sqlite_begin`)."""
from __future__ import annotations

from functools import wraps

from flask import g, has_request_context, request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_write_lock() -> bool:
    if not has_request_context():
        return True
    return request.method not in SAFE_METHODS or g.get("writes", False)


def writes(view):
    """Mark a GET view that writes (an audit entry for a read of personal data)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.writes = True
        return view(*args, **kwargs)

    return wrapper
