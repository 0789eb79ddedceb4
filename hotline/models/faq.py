"""FAQ entries, their alternative wordings, revisions, recorded uses and the search index."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, text
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
    # Lemmatised text (question and wordings, then answer), kept by hotline/faq/indexing.py.
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
    __table_args__ = (
        Index("ix_faq_use_entry_used", "entry_id", "used_at"),
        # The answers of enquiries (the feedback on them): uses from intake, without one, cost nothing.
        Index("ix_faq_use_enquiry", "enquiry_id", sqlite_where=text("enquiry_id IS NOT NULL"),
              postgresql_where=text("enquiry_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class FaqTerm(db.Model):
    """One lemma of one entry: the search index, rewritten whenever the entry changes (see
    hotline/faq/indexing.py). Status, language and topic are copied here so that a search
    reads this table alone until it has its top hits."""

    __tablename__ = "faq_term"
    __table_args__ = (
        Index("ix_faq_term_lookup", "term", "status", "entry_id", "weight", "topic_id", "language"),
        Index("ix_faq_term_entry", "entry_id"),
    )

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id", ondelete="CASCADE"), primary_key=True)
    # 3 when the lemma is in the question or a wording, 1 in the answer, 4 in both.
    weight: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[FaqStatus] = mapped_column(str_enum(FaqStatus, "faq_status"))
    language: Mapped[str] = mapped_column(String(5))
    topic_id: Mapped[int | None] = mapped_column()


class FaqTermKey(db.Model):
    """Spelling keys for typo tolerance: every indexed lemma under itself and under each of its
    one-letter deletions, so one edit is found with an indexed IN lookup."""

    __tablename__ = "faq_term_key"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)


class FaqVote(db.Model):
    """A resident's «Это ответило на ваш вопрос?» on the public FAQ: yes is a question the hotline
    never had to take (self-service deflection), no an entry to improve."""

    __tablename__ = "faq_vote"
    __table_args__ = (Index("ix_faq_vote_entry_created", "entry_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id", ondelete="CASCADE"))
    helpful: Mapped[bool]
    language: Mapped[str] = mapped_column(String(5), default="ru")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
