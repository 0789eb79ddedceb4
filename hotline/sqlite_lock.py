"""A fair writer queue for the embedded SQLite database, and checkpoints outside it.

SQLite lets one writer in at a time; the others poll with growing sleeps (the busy timeout), so
under load a writer can wait far longer than the lock is held. Every writing transaction first
takes an exclusive `flock` on a file beside the database — the kernel wakes the next waiter the
moment the lock is released — and lets it go right after COMMIT or ROLLBACK. A process that dies
drops its lock with its file descriptors, so no stale lock survives a crash.

Checkpoints (copying the write-ahead log back into the database file, with two fsyncs) are SQLite's
other serial step. Left to SQLite, the commit that fills the log past 1 000 pages copies all of it
inside that commit, while every other writer waits: a routed call writes about 30 pages, so at 400
calls/s that was a stall of several milliseconds ten times a second. Here one thread per database,
elected among all processes by a second `flock`, copies the log every `CHECKPOINT_INTERVAL`
seconds beside the writers (PASSIVE: it never blocks them). Under steady writing the log can only
be rewound by a checkpoint that no write overlaps, so SQLite's own checkpoint still runs, every
`AUTOCHECKPOINT_PAGES`, inside a commit; but by then the thread has copied all but the last
fraction of a second, and it is short. It is also the safety net should the thread fall behind."""
from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL = 0.1  # seconds; measured with bench/intake.py: 0.25 s and 0.05 s both did worse
AUTOCHECKPOINT_PAGES = 10_000  # 40 MB of log with 4 KB pages

_checkpointers: dict[tuple[int, str], threading.Thread] = {}
_checkpointers_guard = threading.Lock()


def is_file_database(path: str) -> bool:
    return bool(path) and path != ":memory:" and not path.startswith("file::memory:")


class LockingConnection(sqlite3.Connection):
    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = str(database)
        self._lock_fd = None
        if is_file_database(path):
            self._lock_fd = os.open(path + "-writelock", os.O_RDWR | os.O_CREAT, 0o600)
            self.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            ensure_checkpointer(path)
        self._locked = False

    def acquire_write_lock(self) -> None:
        if self._lock_fd is not None and not self._locked:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._locked = True

    def _release(self) -> None:
        if self._locked:
            self._locked = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self):
        try:
            return super().commit()
        finally:
            self._release()

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._release()

    def close(self):
        try:
            return super().close()
        finally:
            self._release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def ensure_checkpointer(path: str) -> None:
    """Start this process's checkpointer thread for `path` unless it runs already. Every process
    has one; the one holding the `-checkpointer` lock works, the others wait to take over."""
    key = (os.getpid(), os.path.abspath(path))
    if key in _checkpointers:
        return
    with _checkpointers_guard:
        if key not in _checkpointers:
            thread = threading.Thread(target=_checkpoint_loop, args=(key[1],), daemon=True,
                                      name="sqlite-checkpointer")
            _checkpointers[key] = thread
            thread.start()


def checkpointer_running(path: str) -> bool:
    thread = _checkpointers.get((os.getpid(), os.path.abspath(path)))
    return thread is not None and thread.is_alive()


def elected(path: str) -> bool:
    """This process checkpoints `path` (its thread holds the election lock)."""
    return os.path.abspath(path) in _held.values()


_held: dict[int, str] = {}  # election locks held by this process (fd → database), closed in a forked child


def _checkpoint_loop(path: str) -> None:
    fd = os.open(path + "-checkpointer", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held[fd] = path
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            while os.path.exists(path):  # a deleted database (a test's) ends the thread
                time.sleep(CHECKPOINT_INTERVAL)
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:
                    if os.path.exists(path):  # not merely a database deleted under it
                        log.warning("checkpoint of %s failed: %s", path, exc)
        finally:
            conn.close()
    except Exception:
        log.exception("the checkpointer of %s stopped; SQLite's own checkpoints take over", path)
    finally:
        _held.pop(fd, None)
        os.close(fd)
        _checkpointers.pop((os.getpid(), path), None)


def _forget_parent_threads() -> None:
    """A forked child (an RQ work horse) has none of its parent's threads: it must not keep the
    parent's election lock alive after the parent dies, nor think its checkpointer runs."""
    for fd in list(_held):
        os.close(fd)
    _held.clear()
    _checkpointers.clear()


os.register_at_fork(after_in_child=_forget_parent_threads)
