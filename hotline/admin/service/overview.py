"""The figures on the administration overview, one per section."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...models import (
    Absence, ApiToken, CalendarDay, CoordinatorGroup, Enquiry, EnquiryStatus, Role, RoutingRule, SisterCity,
    SlaPolicy, Topic, User,
)
from .base import today


def counts() -> dict[str, int]:
    def count(stmt):
        return db.session.execute(stmt).scalar_one()

    day = today()
    return {
        "users": count(select(func.count(User.id)).where(User.active.is_(True))),
        "users_off": count(select(func.count(User.id)).where(User.active.is_(False))),
        "coordinators": count(select(func.count(User.id)).where(User.active.is_(True),
                                                                 User.role == Role.COORDINATOR)),
        "tokens": count(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None))),
        "absent_now": count(select(func.count(func.distinct(Absence.user_id))).where(
            Absence.starts_on <= day, Absence.ends_on >= day)),
        "absences": count(select(func.count(Absence.id)).where(Absence.ends_on >= day)),
        "rules": count(select(func.count(RoutingRule.id))),
        "groups": count(select(func.count(CoordinatorGroup.id))),
        "sla": count(select(func.count(SlaPolicy.id)).where(SlaPolicy.topic_id.is_not(None))),
        "calendar": count(select(func.count()).select_from(CalendarDay).where(CalendarDay.day >= day)),
        "topics": count(select(func.count(Topic.id)).where(Topic.active.is_(True))),
        "cities": count(select(func.count(SisterCity.id)).where(SisterCity.active.is_(True))),
        "unrouted": count(select(func.count(Enquiry.id)).where(
            Enquiry.status == EnquiryStatus.NEW, Enquiry.unrouted_at.is_not(None))),
    }
