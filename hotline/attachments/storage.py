"""The files under ATTACHMENT_DIR: named by content hash and a per-store token, never by anything a
sender typed. A file is written before its row is committed; the transaction decides its fate:
a rollback removes the files it wrote, a commit removes the files whose last attachment it
deleted. What a crash leaves between the two (a file without a row) the nightly sweep removes."""
from __future__ import annotations

import logging
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import event, select

from ..extensions import db
from ..models import StoredFile

log = logging.getLogger(__name__)

WRITTEN = "hotline.attachments.written"  # session.info: paths this transaction wrote
DOOMED = "hotline.attachments.doomed"  # session.info: paths to remove once it commits
FILE_NAME = re.compile(r"^(?P<sha256>[0-9a-f]{64})\.(?P<token>[0-9a-f]{16,32})$")
TEMP_PREFIX = ".incoming-"
# A file younger than this may belong to a transaction still under way: the sweep leaves it.
ORPHAN_GRACE_SECONDS = 3600


def root() -> Path:
    configured = current_app.config.get("ATTACHMENT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "attachments"


def path_of(stored: StoredFile) -> Path:
    return _path(stored.sha256, stored.token)


def _path(sha256: str, token: str) -> Path:
    # Both parts are hex we made (checked again here): nothing from a sender reaches a path.
    if not FILE_NAME.match(f"{sha256}.{token}"):
        raise ValueError("not a stored file name")
    return root() / sha256[:2] / f"{sha256}.{token}"


def new_token() -> str:
    return secrets.token_hex(8)


def write(sha256: str, token: str, data: bytes) -> Path:
    """Write the bytes whole (a temporary name, fsync, rename), so a reader never sees half a
    file, and remember the path for this transaction's rollback."""
    target = _path(sha256, token)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    db.session.info.setdefault(WRITTEN, []).append(str(target))
    return target


def discard(path: Path) -> None:
    """Remove a file this transaction wrote and no longer needs (a savepoint lost a race)."""
    written = db.session.info.get(WRITTEN, [])
    if str(path) in written:
        written.remove(str(path))
    path.unlink(missing_ok=True)


def remove_after_commit(stored: StoredFile) -> None:
    db.session.info.setdefault(DOOMED, []).append(str(path_of(stored)))


@event.listens_for(Session, "after_commit")
def _settle_after_commit(session) -> None:
    session.info.pop(WRITTEN, None)
    for path in session.info.pop(DOOMED, []):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:  # the sweep will find it without its row
            log.warning("could not remove attachment file %s: %s", path, exc)


@event.listens_for(Session, "after_soft_rollback")
def _settle_after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    session.info.pop(DOOMED, None)
    for path in session.info.pop(WRITTEN, []):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove attachment file %s after a rollback: %s", path, exc)


def sweep_orphans(grace_seconds: int = ORPHAN_GRACE_SECONDS, now: float | None = None) -> int:
    """Remove files older than `grace_seconds` that no stored-file row names (a process killed
    between writing and committing, or between committing a removal and unlinking), and stale
    temporary files. Returns how many were removed."""
    base = root()
    if not base.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - grace_seconds
    candidates: dict[tuple[str, str], Path] = {}
    removed = 0
    for folder in base.iterdir():
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            try:
                if path.stat().st_mtime > cutoff:
                    continue
            except FileNotFoundError:
                continue
            if path.name.startswith(TEMP_PREFIX):
                path.unlink(missing_ok=True)
                removed += 1
                continue
            match = FILE_NAME.match(path.name)
            if match:
                candidates[(match["sha256"], match["token"])] = path
    hashes = sorted({sha for sha, _token in candidates})
    kept: set[tuple[str, str]] = set()
    for start in range(0, len(hashes), 500):
        kept.update((row.sha256, row.token) for row in db.session.execute(
            select(StoredFile.sha256, StoredFile.token).where(StoredFile.sha256.in_(hashes[start:start + 500]))))
    for key, path in candidates.items():
        if key not in kept:
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("attachment sweep removed %d orphan files", removed)
    return removed
