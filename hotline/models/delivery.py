"""The answer's way back to the resident (SPEC 3, 5.7, 5.8): reply channel, delivery state and its
attempts, the outbox of outgoing mail, mail taken in over IMAP, the thread with the resident, and
the resident's feedback on an answer."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class ReplyChannel(enum.Enum):
    EMAIL = "email"
    PHONE = "phone"  # a call-back by an operator
    NONE = "none"  # the resident looks it up by reference


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"  # e-mail accepted by SMTP (or kept in the demo outbox)
    CALLED_BACK = "called-back"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class Delivery(db.Model):
    """Getting one answer to the resident; a reopened and answered again enquiry gets another."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_enquiry", "enquiry_id", "id"),
                      Index("ix_delivery_answered_at", "answered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"))
    channel: Mapped[ReplyChannel] = mapped_column(str_enum(ReplyChannel, "reply_channel"))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING)
    # Who answered and when: the statistics count delivery time and feedback per coordinator.
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_reason: Mapped[str | None] = mapped_column(String(500))

    enquiry: Mapped["Enquiry"] = relationship()  # noqa: F821
    answered_by: Mapped["User | None"] = relationship()  # noqa: F821
    attempts: Mapped[list["DeliveryAttempt"]] = relationship(
        order_by="DeliveryAttempt.id", cascade="all, delete-orphan", back_populates="delivery")


class DeliveryAttempt(db.Model):
    """One try: an SMTP hand-over (`accepted`, `smtp-error`), a bounce, or a call-back attempt."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    result: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(500))

    delivery: Mapped[Delivery] = relationship(back_populates="attempts")


class MailKind(enum.Enum):
    ANSWER = "answer"
    ACKNOWLEDGEMENT = "acknowledgement"
    INTERIM = "interim"  # a coordinator's message in the thread before the answer
    NOTIFICATION = "notification"


class MailStatus(enum.Enum):
    PENDING = "pending"  # waiting for (another) SMTP attempt
    SENT = "sent"  # accepted by the SMTP server
    KEPT = "kept"  # no MAIL_SERVER: kept in the outbox for admins to read (the demo)
    FAILED = "failed"  # every attempt failed


class OutgoingMail(db.Model):
    """The outbox (SPEC 6): a mail is composed once, in the transaction that decided to send it,
    and every attempt sends the same bytes with the same Message-ID."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_status_next", "status", "next_attempt_at"),
                      Index("ix_outgoing_mail_to_kind", "to_address", "kind", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(str_enum(MailKind, "mail_kind"))
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"), default=MailStatus.PENDING)
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id", ondelete="SET NULL"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id", ondelete="SET NULL"), index=True)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while a worker holds the mail between its claim and its commit; a claim older than
    # STALE_JOB_SECONDS is a worker that died, and the mail is sent again (one duplicate at most).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IncomingKind(enum.Enum):
    NEW = "new"  # started an enquiry
    REPLY = "reply"  # joined an enquiry's thread
    AUTO_REPLY = "auto-reply"
    BOUNCE = "bounce"
    LIST = "list"
    OWN = "own"  # our own address, MAILER-DAEMON, postmaster
    REJECTED = "rejected"  # unreadable, or no sender


class IncomingMail(db.Model):
    """A message taken in from the IMAP box, exactly once: its Message-ID (or a digest of it when
    there is none) and its mailbox UID are unique."""

    __tablename__ = "incoming_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(250), unique=True)
    mailbox_uid: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[IncomingKind] = mapped_column(str_enum(IncomingKind, "incoming_kind"))
    from_address: Mapped[str | None] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id", ondelete="SET NULL"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", ondelete="SET NULL"))
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThreadAuthor(enum.Enum):
    RESIDENT = "resident"
    COORDINATOR = "coordinator"


class ThreadMessage(db.Model):
    """The enquiry's conversation with the resident (not the internal notes)."""

    __tablename__ = "thread_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"), index=True)
    author: Mapped[ThreadAuthor] = mapped_column(str_enum(ThreadAuthor, "thread_author"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # email, web (the public status page) or phone
    source: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    incoming_mail_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_mail.id", ondelete="SET NULL"))
    outgoing_mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author_user: Mapped["User | None"] = relationship()  # noqa: F821


class FeedbackVerdict(enum.Enum):
    HELPFUL = "helpful"
    NOT_HELPFUL = "not-helpful"


class Feedback(db.Model):
    """The resident's verdict on one delivered answer: once per delivery."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), unique=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[FeedbackVerdict] = mapped_column(str_enum(FeedbackVerdict, "feedback_verdict"))
    comment: Mapped[str | None] = mapped_column(Text)
    # Copied from the delivery and the enquiry so that the figures group without joins.
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class MailTemplate(db.Model):
    """An admin's edit of one part of a letter to residents in one language (SPEC 3, delivery);
    without a row the letter is written from its file under templates/mail/<language>/."""

    __tablename__ = "mail_template"
    __table_args__ = (UniqueConstraint("letter", "language", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter: Mapped[str] = mapped_column(String(40))  # answer, acknowledgement, interim
    language: Mapped[str] = mapped_column(String(5))  # ru, en
    part: Mapped[str] = mapped_column(String(5))  # txt, html
    source: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    updated_by: Mapped["User | None"] = relationship()  # noqa: F821
