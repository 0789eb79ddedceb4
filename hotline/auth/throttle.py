"""Slowing down password guessing (SPEC 10): failures are counted per (login, address) and per
address; past a few, each further failure doubles the wait before the next try. A stranger can
slow one address's attempts at one login, never lock the account for everyone; unknown logins are
counted exactly like known ones, so the answers tell nothing about which accounts exist."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import LoginThrottle, User, utcnow

ADDRESS_ONLY = ""  # the login of the row that counts an address's failures at any login


def _key(login: str) -> str:
    return (login or "").strip().lower()[:64]


def _rows(login: str, address: str) -> list[LoginThrottle]:
    return list(db.session.execute(select(LoginThrottle).where(
        LoginThrottle.address == address[:64],
        LoginThrottle.login.in_([_key(login), ADDRESS_ONLY]))).scalars())


def wait_seconds(login: str, address: str, now: datetime | None = None) -> int:
    """How long this address must wait before trying this login again (0: go ahead)."""
    now = now or utcnow()
    waits = [(row.delayed_until - now).total_seconds() for row in _rows(login, address)
             if row.delayed_until and row.delayed_until > now]
    return math.ceil(max(waits)) if waits else 0


def _delay(failures: int, free: int) -> timedelta | None:
    if failures < free:
        return None
    config = current_app.config
    seconds = config["LOGIN_DELAY_SECONDS"] * 2 ** min(failures - free, 20)
    return timedelta(seconds=min(seconds, config["LOGIN_DELAY_MAX_SECONDS"]))


def record_failure(login: str, address: str) -> int:
    """Count a failed attempt at `login` from `address`; the wait it earns, in seconds."""
    config = current_app.config
    now = utcnow()
    window = timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    waits = []
    for key, free in ((_key(login), config["LOGIN_FREE_FAILURES"]),
                      (ADDRESS_ONLY, config["LOGIN_FREE_FAILURES_PER_ADDRESS"])):
        row = _row_for_update(key, address[:64])
        if row.last_failure_at is not None and row.last_failure_at < now - window:
            row.failures = 0  # an old run of failures is forgotten
        row.failures = (row.failures or 0) + 1
        row.last_failure_at = now
        delay = _delay(row.failures, free)
        row.delayed_until = now + delay if delay else None
        waits.append(delay.total_seconds() if delay else 0)
    db.session.flush()
    return math.ceil(max(waits))


def _row_for_update(login: str, address: str) -> LoginThrottle:
    stmt = select(LoginThrottle).where(LoginThrottle.login == login, LoginThrottle.address == address)
    row = db.session.execute(stmt.with_for_update()).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with db.session.begin_nested():  # two first failures at once: one inserts, the other counts
            row = LoginThrottle(login=login, address=address, failures=0, last_failure_at=utcnow())
            db.session.add(row)
        return row
    except IntegrityError:
        return db.session.execute(stmt.with_for_update()).scalar_one()


def record_success(login: str, address: str) -> None:
    """The right password: this login's count from this address starts again."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.login == _key(login),
                                                   LoginThrottle.address == address[:64]))


def delays_for(user: User) -> list[LoginThrottle]:
    """The failures counted against this user's login, by address, for the admin's user page."""
    return list(db.session.execute(select(LoginThrottle).where(LoginThrottle.login == _key(user.login))
                                   .order_by(LoginThrottle.last_failure_at.desc())).scalars())


def clear(actor: User, user: User) -> int:
    """An admin lifts the delay on a user's login, and on the addresses it was tried from."""
    rows = delays_for(user)
    addresses = sorted({row.address for row in rows})
    if rows:
        db.session.execute(delete(LoginThrottle).where(or_(
            LoginThrottle.login == _key(user.login),
            (LoginThrottle.login == ADDRESS_ONLY) & LoginThrottle.address.in_(addresses))))
        audit.record(actor, "clear_login_delay", user, addresses=addresses)
    return len(rows)


def prune(now: datetime | None = None) -> int:
    """Forget the counts that no longer slow anyone: the last failure older than the window and
    no wait still running (the nightly retention run; without it the table only grows)."""
    now = now or utcnow()
    forgotten = now - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    result = db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < forgotten,
        or_(LoginThrottle.delayed_until.is_(None), LoginThrottle.delayed_until <= now)))
    return result.rowcount or 0
