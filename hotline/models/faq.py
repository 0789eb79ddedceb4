"""FAQ entries, their alternative wordings, revisions and recorded uses."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class FaqStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class FaqEntry(db.Model):
    __tablename__ = "faq_entry"
    __table_args__ = (Index("ix_faq_entry_status_topic", "status", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("sister_city.id"))
    language: Mapped[str] = mapped_column(String(5), default="ru")
    status: Mapped[FaqStatus] = mapped_column(str_enum(FaqStatus, "faq_status"), default=FaqStatus.DRAFT)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    use_count: Mapped[int] = mapped_column(default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Lemmatised text for search (question and wordings, then answer), maintained by the FAQ service.
    search_question: Mapped[str] = mapped_column(Text, default="")
    search_answer: Mapped[str] = mapped_column(Text, default="")

    topic: Mapped["Topic | None"] = relationship()  # noqa: F821
    city: Mapped["SisterCity | None"] = relationship()  # noqa: F821
    owner: Mapped["User | None"] = relationship()  # noqa: F821
    wordings: Mapped[list["FaqWording"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="FaqWording.id"
    )
    revisions: Mapped[list["FaqRevision"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="FaqRevision.id"
    )


class FaqWording(db.Model):
    __tablename__ = "faq_wording"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)

    entry: Mapped[FaqEntry] = relationship(back_populates="wordings")


class FaqRevision(db.Model):
    __tablename__ = "faq_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # {"field": {"old": …, "new": …}, …}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    entry: Mapped[FaqEntry] = relationship(back_populates="revisions")
    editor: Mapped["User | None"] = relationship()  # noqa: F821


class FaqUse(db.Model):
    __tablename__ = "faq_use"
    __table_args__ = (Index("ix_faq_use_entry_used", "entry_id", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
