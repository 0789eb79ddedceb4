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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def test_a_forked_child_does_not_keep_a_dead_parents_election(database, tmp_path):
    """An elected process forks a long-lived child (an RQ work horse) and dies: the child must not
    keep the election lock alive through the descriptor it inherited, or nobody checkpoints."""
    script = tmp_path / "elected.py"
    script.write_text(
        "import os, sys, time, sqlite3\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from hotline.sqlite_lock import LockingConnection, elected\n"
        f"conn = sqlite3.connect({database!r}, factory=LockingConnection)\n"
        f"while not elected({database!r}):\n"
        "    time.sleep(0.01)\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    time.sleep(30)\n"
        "    os._exit(0)\n"
        "print(child, flush=True)\n"
        "os._exit(0)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        parent.wait(10)
        conn = open_wal(database, LockingConnection)
        deadline = time.monotonic() + 3
        while not sqlite_lock.elected(database) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(child, 0)  # the child still lives...
        assert sqlite_lock.elected(database)  # ...and this process took over all the same
        write_rows(conn, 100)
        assert wait_for_rows(database, tmp_path, 100) == 100
        conn.close()
    finally:
        os.kill(child, 9)  # not ours to wait for: it was the dead parent's
