"""SLA targets per topic, in business hours, and the calendar those hours are counted in:
public holidays come from the `holidays` package, exceptions to it are entered here."""
from __future__ import annotations

from datetime import date, timedelta

import holidays
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import audit
from ...errors import Conflict
from ...extensions import db
from ...models import CalendarDay, SlaPolicy, Topic, User
from ...reference import invalidate_reference_cache
from ...sla.calendar import russian_holidays
from .base import check_length, existing, invalid, text

MAX_TARGET_HOURS = 2000.0  # about a year of business hours: anything longer is a typo


def sla_policies() -> list[SlaPolicy]:
    """The default targets first, then each topic's own, in the topics' order."""
    return list(db.session.execute(
        select(SlaPolicy).outerjoin(Topic, Topic.id == SlaPolicy.topic_id)
        .order_by(SlaPolicy.topic_id.is_not(None), Topic.position, Topic.id)).scalars())


def topics_with_own_sla() -> set[int]:
    return set(db.session.execute(select(SlaPolicy.topic_id).where(SlaPolicy.topic_id.is_not(None))).scalars())


def calendar_days_from(start: date) -> list[CalendarDay]:
    """The calendar's exceptions (working weekends, extra days off) from `start` on, by date."""
    return list(db.session.execute(
        select(CalendarDay).where(CalendarDay.day >= start).order_by(CalendarDay.day)).scalars())


def _check_targets(first: float | None, answer: float | None) -> None:
    for name, value in (("first_response_hours", first), ("answer_hours", answer)):
        if value is None or not 0 < value <= MAX_TARGET_HOURS:
            raise invalid(name, _l("Business hours: a number greater than 0 and at most %(max)s.",
                                   max=int(MAX_TARGET_HOURS)))
    if answer < first:
        raise invalid("answer_hours", _l("The answer target cannot be shorter than the first-response target."))


def save_sla(actor: User, policy: SlaPolicy | None, *, topic_id: int | None, first_response_hours: float,
             answer_hours: float) -> SlaPolicy:
    _check_targets(first_response_hours, answer_hours)
    created = policy is None
    if created:
        if topic_id is None:
            raise invalid("topic", _l("Pick the topic of this target."))
        existing(Topic, topic_id)
        if db.session.execute(select(SlaPolicy.id).where(SlaPolicy.topic_id == topic_id)).first():
            raise invalid("topic", _l("This topic has its own targets already; edit them."))
        policy = SlaPolicy(topic_id=topic_id)
        db.session.add(policy)
    policy.first_response_hours = float(first_response_hours)
    policy.answer_hours = float(answer_hours)
    db.session.flush()
    audit.record(actor, "create" if created else "update", policy, topic_id=policy.topic_id,
                 first_response_hours=policy.first_response_hours, answer_hours=policy.answer_hours)
    invalidate_reference_cache()
    return policy


def delete_sla(actor: User, policy: SlaPolicy) -> None:
    if policy.topic_id is None:
        raise Conflict(_l("The default targets cannot be deleted."))
    audit.record(actor, "delete", policy, topic_id=policy.topic_id)
    db.session.delete(policy)
    db.session.flush()
    invalidate_reference_cache()


def add_calendar_day(actor: User, *, day: date, working: bool, note: str = "") -> CalendarDay:
    note = text(note)
    check_length(note, "note", 200)
    if db.session.get(CalendarDay, day) is not None:
        raise invalid("day", _l("This date is in the calendar already; delete it first to change it."))
    row = CalendarDay(day=day, working=working, note=note)
    db.session.add(row)
    db.session.flush()
    audit.record_row(actor, "create", CalendarDay.__tablename__, None, day=day.isoformat(), working=working,
                     note=note)
    invalidate_reference_cache()
    return row


def delete_calendar_day(actor: User, row: CalendarDay) -> None:
    audit.record_row(actor, "delete", CalendarDay.__tablename__, None, day=row.day.isoformat(), working=row.working)
    db.session.delete(row)
    db.session.flush()
    invalidate_reference_cache()


def upcoming_public_holidays(start: date, days: int = 60, locale: str = "ru") -> list[tuple[date, str]]:
    """Russian public holidays in [start, start + days), named by the `holidays` package."""
    end = start + timedelta(days=days)
    found = []
    for year in sorted({start.year, end.year}):
        names = holidays.country_holidays("RU", years=year, language="en_US" if locale == "en" else "ru")
        for day in sorted(russian_holidays(year)):
            if start <= day < end:
                found.append((day, names.get(day, "")))
    return found
