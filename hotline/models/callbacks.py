"""Call-back tasks (SPEC 3, 12): a phone delivery of an answer, or a missed call, waiting in the
operators' *Call-backs* list; at most three attempts, then `unreachable`."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class CallbackKind(enum.Enum):
    ANSWER = "answer"  # read the answer out to the resident
    MISSED_CALL = "missed-call"  # call back someone nobody answered (telephony)


class CallbackStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"  # the resident was reached
    UNREACHABLE = "unreachable"  # three attempts, or a wrong number
    CANCELLED = "cancelled"


class CallbackResult(enum.Enum):
    REACHED = "reached"
    NO_ANSWER = "no-answer"
    WRONG_NUMBER = "wrong-number"


class CallbackTask(db.Model):
    __tablename__ = "callback_task"
    __table_args__ = (Index("ix_callback_task_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CallbackKind] = mapped_column(str_enum(CallbackKind, "callback_kind"))
    status: Mapped[CallbackStatus] = mapped_column(
        str_enum(CallbackStatus, "callback_status"), default=CallbackStatus.OPEN)
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id", ondelete="SET NULL"), index=True)
    # An answer's call-back: its enquiry and delivery; a missed call: the telephony call (whose
    # table belongs to hotline/telephony, so no foreign key here), and no enquiry.
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id", ondelete="SET NULL"), index=True)
    telephony_call_id: Mapped[int | None] = mapped_column(index=True)
    # Why the task exists, for the operator: "the e-mail bounced", "missed at 10:42".
    reason: Mapped[str | None] = mapped_column(String(500))
    attempts_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    caller: Mapped["Caller | None"] = relationship()  # noqa: F821
    enquiry: Mapped["Enquiry | None"] = relationship()  # noqa: F821
    attempts: Mapped[list["CallbackAttempt"]] = relationship(
        order_by="CallbackAttempt.id", cascade="all, delete-orphan", back_populates="task")

    MAX_ATTEMPTS = 3


class CallbackAttempt(db.Model):
    __tablename__ = "callback_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("callback_task.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    result: Mapped[CallbackResult] = mapped_column(str_enum(CallbackResult, "callback_result"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    task: Mapped[CallbackTask] = relationship(back_populates="attempts")
    operator: Mapped["User | None"] = relationship()  # noqa: F821
