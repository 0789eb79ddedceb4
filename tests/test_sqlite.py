"""The embedded SQLite database: checkpoints run beside the writers, by one elected process.

These tests work on their own database files, whichever backend the rest of the suite uses."""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from hotline import sqlite_lock
from hotline.sqlite_lock import AUTOCHECKPOINT_PAGES, LockingConnection, checkpointer_running


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "wal.db")
    yield path
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)  # ends this file's checkpointer thread


def write_rows(conn: sqlite3.Connection, count: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO item (label) VALUES (?)", [(f"row {i}" * 20,) for i in range(count)])
    conn.commit()


def open_wal(path: str, factory=sqlite3.Connection) -> sqlite3.Connection:
    conn = sqlite3.connect(path, factory=factory, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, label TEXT)")
    return conn


def rows_in_database_file(path: str, tmp_dir) -> int:
    """Rows found in the database file alone, without its write-ahead log: what checkpoints copied."""
    copy = tmp_dir / f"copy-{time.monotonic_ns()}.db"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as conn:
        try:
            return conn.execute("SELECT count(*) FROM item").fetchone()[0]
        except sqlite3.OperationalError:  # the table itself is still only in the log
            return 0


def wait_for_rows(path, tmp_path, count, seconds=3.0) -> int:
    deadline = time.monotonic() + seconds
    while (found := rows_in_database_file(path, tmp_path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_the_checkpointer_copies_the_log_while_no_writer_does(database, tmp_path):
    conn = open_wal(database, LockingConnection)
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == AUTOCHECKPOINT_PAGES
    assert checkpointer_running(database)
    write_rows(conn, 300)  # about 200 pages: far below SQLite's own checkpoint threshold
    assert wait_for_rows(database, tmp_path, 300) == 300

    # The same writes without the checkpointer stay in the log: the check above can fail.
    plain_path = str(tmp_path / "plain.db")
    plain = open_wal(plain_path)
    plain.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    write_rows(plain, 300)
    time.sleep(3 * sqlite_lock.CHECKPOINT_INTERVAL)
    assert rows_in_database_file(plain_path, tmp_path) == 0
    plain.close()
    conn.close()


def test_another_process_takes_over_when_the_checkpointer_dies(database, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"fd = os.open({database + '-checkpointer'!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"  # elected, but hung: it never checkpoints
        conn = open_wal(database, LockingConnection)
        write_rows(conn, 200)
        time.sleep(5 * sqlite_lock.CHECKPOINT_INTERVAL)
        assert rows_in_database_file(database, tmp_path) == 0  # this process's thread only waits
    finally:
        holder.kill()
        holder.wait()
    assert wait_for_rows(database, tmp_path, 200) == 200
    conn.close()


def test_a_forked_child_lets_go_of_its_parents_election(database):
    conn = open_wal(database, LockingConnection)
    deadline = time.monotonic() + 3
    while not sqlite_lock._held and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sqlite_lock._held  # this process was elected
    pid = os.fork()
    if pid == 0:  # the child: none of the parent's threads, so none of its lock either
        os._exit(0 if not sqlite_lock._held and not checkpointer_running(database) else 1)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert checkpointer_running(database)  # the parent's thread goes on
    conn.close()
