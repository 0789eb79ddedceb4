"""Callers and the calls operators log."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class CallChannel(enum.Enum):
    PHONE = "phone"
    EMAIL = "email"
    WALK_IN = "walk-in"
    WEB = "web"
    PARTNER_API = "partner-api"


class CallOutcome(enum.Enum):
    ANSWERED = "answered"
    ROUTED = "routed"
    INFO = "info"
    DROPPED = "dropped"


class Caller(db.Model):
    __tablename__ = "caller"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # E.164; empty for anonymous web or walk-in callers.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(5), default="ru")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Call(db.Model):
    __tablename__ = "call"
    __table_args__ = (
        Index("ix_call_topic_started", "topic_id", "started_at"),
        Index("ix_call_operator_started", "operator_id", "started_at"),
        Index("ix_call_caller_started", "caller_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[CallChannel] = mapped_column(str_enum(CallChannel, "call_channel"))
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))  # none only on a dropped call
    city_id: Mapped[int | None] = mapped_column(ForeignKey("sister_city.id"))
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[CallOutcome] = mapped_column(str_enum(CallOutcome, "call_outcome"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The Open311 partner key a partner's site sent this call with (SPEC 8.3).
    partner_key_id: Mapped[int | None] = mapped_column(ForeignKey("access_token.id", ondelete="SET NULL"))
    # A routed call whose question a published FAQ entry answered well (FAQ curation), recorded by the
    # worker within a minute of intake (hotline/faq/usage.py): the entry, and when it was looked at.
    faq_match_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entry.id", ondelete="SET NULL"))
    faq_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    caller: Mapped[Caller | None] = relationship()
    operator: Mapped["User | None"] = relationship()  # noqa: F821
    topic: Mapped["Topic | None"] = relationship()  # noqa: F821
    city: Mapped["SisterCity | None"] = relationship()  # noqa: F821
    enquiry: Mapped["Enquiry | None"] = relationship(back_populates="call", uselist=False)  # noqa: F821
    partner_key: Mapped["AccessToken | None"] = relationship()  # noqa: F821

    @property
    def handle_seconds(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()
