"""Who answers what: coordinator groups, routing rules, absences, SLA policies, the calendar."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class CoordinatorGroup(db.Model):
    __tablename__ = "coordinator_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))

    members: Mapped[list["GroupMember"]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    topic: Mapped["Topic | None"] = relationship()  # noqa: F821


class GroupMember(db.Model):
    """A coordinator in a group; `city_id` narrows them to one sister city's enquiries."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "user_id", "city_id", name="uq_group_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("coordinator_group.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("sister_city.id"))

    group: Mapped[CoordinatorGroup] = relationship(back_populates="members")
    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
    city: Mapped["SisterCity | None"] = relationship()  # noqa: F821


class RoutingRule(db.Model):
    """(topic, sister city or any) → group; the highest priority matching rule wins."""

    __tablename__ = "routing_rule"
    __table_args__ = (Index("ix_routing_rule_topic_city", "topic_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("sister_city.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("coordinator_group.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(default=0)

    topic: Mapped["Topic"] = relationship()  # noqa: F821
    city: Mapped["SisterCity | None"] = relationship()  # noqa: F821
    group: Mapped[CoordinatorGroup] = relationship()


class Absence(db.Model):
    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_user_dates", "user_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821


class SlaPolicy(db.Model):
    """Targets in business hours; the row with no topic is the default."""

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"), unique=True)
    first_response_hours: Mapped[float] = mapped_column(default=8.0)
    answer_hours: Mapped[float] = mapped_column(default=24.0)

    topic: Mapped["Topic | None"] = relationship()  # noqa: F821


class CalendarDay(db.Model):
    """An admin's exception to the calendar: a day off, or a transferred working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(200), default="")
