"""Which transactions take SQLite's write lock (see `_sqlite_begin` and hotline/sqlite_lock.py).

- Outside a request (CLI, jobs): every transaction, so a job that reads then writes never finds
  its snapshot stale.
- In a request with an unsafe method, or a GET view marked `@writes`: every transaction.
- In a view marked `@reads_then_writes`: the reads (authentication, validation, reference data)
  run without the lock; `begin_writes()` ends that read-only transaction, and the writes that
  follow hold the lock only as long as they need it. This keeps the hot path of call logging from
  serialising whole requests. PostgreSQL needs none of this; there the calls are no-ops."""
from __future__ import annotations

from functools import wraps

from flask import g, has_request_context, request

from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_write_lock() -> bool:
    if not has_request_context():
        return True
    if g.get("read_phase", False):
        return False
    return request.method not in SAFE_METHODS or g.get("writes", False)


def writes(view):
    """Mark a GET view that writes (an audit entry for a read of personal data)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.writes = True
        return view(*args, **kwargs)

    return wrapper


def reads_then_writes(view):
    """Mark a view whose service calls `begin_writes()` between its reads and its writes."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.read_phase = True
        return view(*args, **kwargs)

    return wrapper


def begin_writes() -> None:
    """End the read phase of a `@reads_then_writes` view; elsewhere do nothing."""
    if not (has_request_context() and g.get("read_phase", False)):
        return
    g.read_phase = False
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_writes() after changes were made: the read phase must only read")
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()  # read-only, so nothing is committed: it only lets the snapshot go
