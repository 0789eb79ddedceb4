"""Coordinators' absences: recording one re-routes their open enquiries on its first day."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import audit
from ...enquiries.routing import absence_recorded
from ...extensions import db
from ...models import Absence, Role, User
from .base import check_length, invalid, text, today


def coordinators() -> list[User]:
    return list(db.session.execute(
        select(User).where(User.role == Role.COORDINATOR).order_by(User.active.desc(), User.name, User.login)
    ).scalars())


def absent_now(day: date | None = None) -> dict[int, Absence]:
    """User id → the absence that covers `day` (today)."""
    day = day or today()
    rows = db.session.execute(
        select(Absence).where(Absence.starts_on <= day, Absence.ends_on >= day)).scalars()
    return {a.user_id: a for a in rows}


def upcoming_absences(user: User | None = None) -> list[Absence]:
    """Absences not over yet (of one person, or everyone's), soonest first."""
    stmt = select(Absence).where(Absence.ends_on >= today())
    if user is not None:
        stmt = stmt.where(Absence.user_id == user.id)
    return list(db.session.execute(stmt.order_by(Absence.starts_on, Absence.id)).scalars())


def add_absence(actor: User, *, user_id: int, starts_on: date, ends_on: date, reason: str = "") -> Absence:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.COORDINATOR:
        raise invalid("user", _l("Absences are recorded for coordinators only."))
    if ends_on < starts_on:
        raise invalid("ends_on", _l("The last day cannot be before the first day."))
    if ends_on < today():
        raise invalid("ends_on", _l("This absence has already ended."))
    reason = text(reason)
    check_length(reason, "reason", 200)
    overlap = db.session.execute(
        select(Absence).where(Absence.user_id == user.id, Absence.starts_on <= ends_on, Absence.ends_on >= starts_on)
    ).scalars().first()
    if overlap is not None:
        raise invalid("starts_on", _l("%(name)s is already away from %(start)s to %(end)s.", name=user.display_name,
                                      start=overlap.starts_on.strftime("%d.%m.%Y"),
                                      end=overlap.ends_on.strftime("%d.%m.%Y")))
    absence = Absence(user_id=user.id, starts_on=starts_on, ends_on=ends_on, reason=reason)
    db.session.add(absence)
    db.session.flush()
    absence_recorded(absence, actor)  # audits it, and re-routes now or on its first day
    return absence


def delete_absence(actor: User, absence: Absence) -> None:
    audit.record(actor, "delete", absence, user=absence.user.login, starts_on=absence.starts_on.isoformat(),
                 ends_on=absence.ends_on.isoformat())
    db.session.delete(absence)
    db.session.flush()
