"""Enquiries routed to coordinators, their trail, notes, notifications and reference numbering."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow
from .delivery import ReplyChannel


class EnquiryStatus(enum.Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    REOPENED = "reopened"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @classmethod
    def open_values(cls) -> tuple["EnquiryStatus", ...]:
        return (cls.NEW, cls.ASSIGNED, cls.REOPENED)

    @classmethod
    def answered_values(cls) -> tuple["EnquiryStatus", ...]:
        """Answered, for the figures: answered or closed (a reopened one is open again)."""
        return (cls.ANSWERED, cls.CLOSED)


class ReferenceCounter(db.Model):
    """One row a year; an atomic UPDATE … RETURNING hands out the next number."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Enquiry(db.Model):
    __tablename__ = "enquiry"
    __table_args__ = (
        Index("ix_enquiry_status_created", "status", "created_at"),
        Index("ix_enquiry_assignee_status", "assignee_id", "status"),
        Index("ix_enquiry_status_due", "status", "due_at"),
        # Statistics: the days a rollup does not serve are read by these instants.
        Index("ix_enquiry_created_at", "created_at"),
        Index("ix_enquiry_assigned_at", "assigned_at"),
        Index("ix_enquiry_answered_at", "answered_at"),
        Index("ix_enquiry_reopened_at", "reopened_at"),
        Index("ix_enquiry_first_response_at", "first_response_at"),
        # Only the formal appeals (few): the 59-FZ figures and the inbox filter, no cost to the others.
        Index("ix_enquiry_formal_appeal", "registered_at", sqlite_where=text("formal_appeal = 1"),
              postgresql_where=text("formal_appeal")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), index=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("sister_city.id"))
    question: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EnquiryStatus] = mapped_column(
        str_enum(EnquiryStatus, "enquiry_status"), default=EnquiryStatus.NEW
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator_group.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when routing found no rule or nobody present: the supervisors' unrouted list.
    unrouted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unrouted_reason: Mapped[str | None] = mapped_column(String(200))
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 80 % of the first-response target; business seconds to the first response (SPEC 7).
    first_response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_business_seconds: Mapped[float | None]
    first_response_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 80 % of the answer target in business time: the assignee is warned from here on.
    sla_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The deadline watch's marks (hotline/sla/watch.py): set once, by the run that told people.
    sla_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A coordinator sent it back to the operator (wrong topic, more from the caller needed).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_reason: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    # Business seconds from creation to answer, fixed when answered (statistics read it in SQL).
    answer_business_seconds: Mapped[float | None]
    answer_published: Mapped[bool] = mapped_column(default=True)
    # Federal Law 59-FZ formal appeal: 30 calendar days, one extension of up to 30.
    formal_appeal: Mapped[bool] = mapped_column(default=False)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_extension_reason: Mapped[str | None] = mapped_column(Text)
    # How the answer reaches the resident (SPEC 3), and the enquiry a late reply followed up.
    reply_channel: Mapped[ReplyChannel] = mapped_column(
        str_enum(ReplyChannel, "reply_channel"), default=ReplyChannel.NONE, server_default="none")
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id", ondelete="SET NULL"))

    call: Mapped["Call | None"] = relationship(back_populates="enquiry")  # noqa: F821
    caller: Mapped["Caller | None"] = relationship()  # noqa: F821
    topic: Mapped["Topic"] = relationship()  # noqa: F821
    city: Mapped["SisterCity | None"] = relationship()  # noqa: F821
    assignee: Mapped["User | None"] = relationship(foreign_keys=[assignee_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    events: Mapped[list["EnquiryEvent"]] = relationship(
        back_populates="enquiry", order_by="EnquiryEvent.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list["EnquiryNote"]] = relationship(
        back_populates="enquiry", order_by="EnquiryNote.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in EnquiryStatus.open_values()


class EnquiryEvent(db.Model):
    """The enquiry's trail: every transition, hand-over and routing decision."""

    __tablename__ = "enquiry_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enquiry: Mapped[Enquiry] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class EnquiryNote(db.Model):
    __tablename__ = "enquiry_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enquiry: Mapped[Enquiry] = relationship(back_populates="notes")
    author: Mapped["User"] = relationship()  # noqa: F821


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # Deterministic key (kind:enquiry:user) so a job that runs twice notifies once.
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enquiry: Mapped["Enquiry | None"] = relationship()
