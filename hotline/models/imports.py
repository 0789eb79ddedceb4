"""Imports people run from the browser (issue 14): the job with its progress, and the keys of the
rows already imported (the same file twice adds nothing)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class ImportKind(enum.Enum):
    CALLS = "calls"
    FAQ = "faq"


class ImportStatus(enum.Enum):
    PREVIEW = "preview"      # uploaded and checked, nothing saved
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ImportJob(db.Model):
    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(str_enum(ImportKind, "import_kind"))
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus, "import_status"), default=ImportStatus.PREVIEW)
    filename: Mapped[str] = mapped_column(String(255))
    stored_as: Mapped[str] = mapped_column(String(64))  # a random name under instance/imports/
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    bad: Mapped[int] = mapped_column(default=0)
    # [[line, message], …] of the preview or the run (at most a thousand)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(String(500))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def percent(self) -> int:
        if self.status is ImportStatus.DONE:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportedRow(db.Model):
    """The key of one row already imported (a hash of its values and the import's kind)."""

    __tablename__ = "imported_row"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
