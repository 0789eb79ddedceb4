"""Telephony (SPEC 3, 8.4): the events a phone system posts, kept as received, and the telephony
call they add up to, which the figures read."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class CallDirection(enum.Enum):
    INBOUND = "in"
    OUTBOUND = "out"


class CtiEvent(db.Model):
    """One event as the phone system posted it: for debugging an integration, 30 days
    (CTI_EVENT_DAYS). (call_id, event) is unique: a repeated event is answered and ignored."""

    __tablename__ = "cti_event"
    __table_args__ = (UniqueConstraint("call_id", "event", name="uq_cti_event_call_id_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("access_token.id", ondelete="SET NULL"),
                                                       index=True)
    call_id: Mapped[str] = mapped_column(String(250))
    event: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class TelephonyCall(db.Model):
    """One call as the phone system saw it. Each event fills its own columns, so events that come
    late, twice or out of order still end in the same record. Missed = rang and ended unanswered."""

    __tablename__ = "telephony_call"
    __table_args__ = (
        Index("ix_telephony_call_rang_at", "rang_at"),
        Index("ix_telephony_call_answered_by_ended", "answered_by_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(250), unique=True)  # the phone system's callId
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("access_token.id", ondelete="SET NULL"))
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, "call_direction"))
    from_number: Mapped[str | None] = mapped_column(String(64))
    to_number: Mapped[str | None] = mapped_column(String(64))
    # The resident's number in E.164 (from for inbound, to for outbound), when it reads as one.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    queue: Mapped[str | None] = mapped_column(String(100))
    rang_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answering_number: Mapped[str | None] = mapped_column(String(100))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cause: Mapped[str | None] = mapped_column(String(32))
    # The call the operator logged for it (`cti_call_id` on the call form / POST /calls).
    logged_call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    answered_by: Mapped["User | None"] = relationship()  # noqa: F821

    FORWARDED = "forwarded"

    @property
    def missed(self) -> bool:
        return self.answered_at is None and self.ended_at is not None and self.cause != self.FORWARDED

    @property
    def wait_seconds(self) -> float | None:
        end = self.answered_at or self.ended_at
        return (end - self.rang_at).total_seconds() if end else None

    @property
    def talk_seconds(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.answered_at).total_seconds())
