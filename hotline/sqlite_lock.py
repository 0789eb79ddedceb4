"""A fair writer queue for the embedded SQLite database.

SQLite lets one writer in at a time; the others poll with growing sleeps (the busy timeout), so
under load a writer can wait far longer than the lock is held. Every writing transaction first
takes an exclusive `flock` on a file beside the database — the kernel wakes the next waiter the
moment the lock is released — and lets it go right after COMMIT or ROLLBACK. A process that dies
drops its lock with its file descriptors, so no stale lock survives a crash."""
from __future__ import annotations

import fcntl
import os
import sqlite3


class LockingConnection(sqlite3.Connection):
    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = str(database)
        self._lock_fd = None
        if path and path != ":memory:" and not path.startswith("file::memory:"):
            self._lock_fd = os.open(path + "-writelock", os.O_RDWR | os.O_CREAT, 0o600)
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
