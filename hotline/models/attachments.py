"""Files on enquiries (SPEC 3): one stored file per distinct content, and the attachments that
name it on an enquiry; the bytes live under ATTACHMENT_DIR, never in the database."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class AttachmentSource(enum.Enum):
    STAFF = "staff"
    PUBLIC = "public"
    EMAIL = "email"


class StoredFile(db.Model):
    """The bytes of one content hash, shared by every attachment with identical bytes; removed
    with its last attachment. `token` is new each time the content is stored again, so a file
    being removed after one transaction never takes the place of one another has just written."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    # Sniffed from the bytes, never taken from the name or the sender; with a charset for text.
    content_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), index=True)
    # What the sender called it: shown and offered as the download name, never used as a path.
    name: Mapped[str] = mapped_column(String(255))
    source: Mapped[AttachmentSource] = mapped_column(str_enum(AttachmentSource, "attachment_source"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    stored_file: Mapped[StoredFile] = relationship(lazy="joined")
    enquiry: Mapped["Enquiry"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def content_type(self) -> str:
        return self.stored_file.content_type

    @property
    def size(self) -> int:
        return self.stored_file.size
