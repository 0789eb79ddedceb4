"""Which transactions take SQLite's write lock (see `_sqlite_begin` and hotline/sqlite_lock.py).

- Outside a request (CLI, jobs): every transaction, so a job that reads then writes never finds
  its snapshot stale.
- In a request with an unsafe method, or a GET view marked `@writes`: every transaction.
- In a view marked `@reads_then_writes`: the reads (authentication, validation, reference data)
  run without the lock; `begin_writes()` ends that read-only transaction, and the writes that
  follow hold the lock only as long as they need it. This keeps the hot path of call logging from
  serialising whole requests. PostgreSQL needs none of this; there the calls are no-ops."""
from __future__ import annotations

from contextvars import ContextVar
from functools import wraps

from flask import g, has_request_context, request

from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_read_phase: ContextVar[bool] = ContextVar("hotline_read_phase", default=False)


def wants_write_lock() -> bool:
    if _read_phase.get():
        return False
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


def reads_then_writes(view):
    """Mark a view whose service calls `begin_writes()` between its reads and its writes."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        begin_reads()
        try:
            return view(*args, **kwargs)
        finally:
            _read_phase.set(False)

    return wrapper


def begin_reads() -> None:
    """Start a read phase (a job or view that reads first); `begin_writes()` ends it."""
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_reads() with changes pending")
        session.commit()  # nothing written yet: this only ends the transaction
    _read_phase.set(True)


def begin_writes() -> None:
    """End the read phase of a `@reads_then_writes` view or a job; elsewhere do nothing."""
    if not _read_phase.get():
        return
    _read_phase.set(False)
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_writes() after changes were made: the read phase must only read")
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()  # read-only, so nothing is committed: it only lets the snapshot go
