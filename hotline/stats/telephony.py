"""The `telephony` block of the statistics (SPEC 7, 8.2), read from the telephony calls the CTI
events made. Inbound calls that rang in the period (Perm dates):

- forwarded (hang-up cause `forwarded`, unanswered): counted apart, neither answered nor abandoned;
- offered: the other inbound calls that have finished ringing (answered, or ended unanswered);
  a call still ringing is offered once it is answered or abandoned;
- answered; abandoned = offered and ended unanswered, whatever the cause;
- calls that rang outside business hours (the SLA calendar) are counted apart (`out_of_hours`)
  and left out of service level and abandonment: `abandoned`, `abandonment_rate` and
  `service_level` are over calls that rang in business hours;
- ASA = mean and p90 (nearest rank) of answered_at − rang_at over the answered;
- service level = in-hours offered calls answered within SERVICE_LEVEL_SECONDS / in-hours offered;
- talk time = the sum of ended_at − answered_at over the answered (and its mean).
Outbound calls are counted apart (`outbound`) and are in none of the above. With the operator
filter, only the calls that operator answered are read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..enquiries.service import business_calendar
from ..extensions import db
from ..models import CallDirection, TelephonyCall, User, utcnow
from ..timefmt import local_zone
from .period import Period, today_local
from .sql import rank_for


@dataclass
class _Bucket:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    in_hours_offered: int = 0
    in_hours_abandoned: int = 0
    within_level: int = 0

    def row(self) -> dict:
        return {"offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
                "service_level": _ratio(self.within_level, self.in_hours_offered)}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def in_business_hours(moment: datetime, calendar) -> bool:
    local = moment.astimezone(calendar.zone)
    return calendar.is_working_day(local.date()) and calendar.day_start <= local.time() < calendar.day_end


def telephony_figures(start: datetime, end: datetime, operator_id: int | None = None,
                      days: list | None = None) -> dict:
    calendar = business_calendar()
    level = int(current_app.config["SERVICE_LEVEL_SECONDS"])
    t = TelephonyCall
    stmt = select(t.direction, t.rang_at, t.answered_at, t.ended_at, t.cause, t.answered_by_id).where(
        t.rang_at >= start, t.rang_at < end)
    if operator_id is not None:
        stmt = stmt.where(TelephonyCall.answered_by_id == operator_id)
    zone = local_zone()
    total = _Bucket()
    by_hour = [_Bucket() for _ in range(24)]
    by_day: dict[str, _Bucket] = {d.isoformat(): _Bucket() for d in (days or [])}
    waits: list[float] = []
    talk: list[float] = []
    forwarded = outbound = ringing = 0
    out_of_hours = {"offered": 0, "answered": 0, "abandoned": 0}
    per_operator: dict[int | None, list] = {}  # user id → [answered, talk seconds]
    for call in db.session.execute(stmt):
        if call.direction is CallDirection.OUTBOUND:
            outbound += 1
            continue
        answered = call.answered_at is not None
        if not answered and call.cause == TelephonyCall.FORWARDED:
            forwarded += 1
            continue
        if not answered and call.ended_at is None:
            ringing += 1
            continue
        local = call.rang_at.astimezone(zone)
        in_hours = in_business_hours(call.rang_at, calendar)
        buckets = [total, by_hour[local.hour], by_day.setdefault(local.date().isoformat(), _Bucket())]
        wait = (call.answered_at - call.rang_at).total_seconds() if answered else None
        for bucket in buckets:
            bucket.offered += 1
            bucket.answered += answered
            bucket.abandoned += not answered
            if in_hours:
                bucket.in_hours_offered += 1
                bucket.in_hours_abandoned += not answered
                bucket.within_level += answered and wait <= level
        if not in_hours:
            out_of_hours["offered"] += 1
            out_of_hours["answered"] += answered
            out_of_hours["abandoned"] += not answered
        if answered:
            waits.append(max(0.0, wait))
            # None while still on the line: answered, no talk yet.
            seconds = max(0.0, (call.ended_at - call.answered_at).total_seconds()) if call.ended_at else None
            mine = per_operator.setdefault(call.answered_by_id, [0, 0.0])
            mine[0] += 1
            if seconds is not None:
                talk.append(seconds)
                mine[1] += seconds
    waits.sort()
    logins = dict(db.session.execute(select(User.id, User.login).where(
        User.id.in_([i for i in per_operator if i is not None]))).all()) if per_operator else {}
    operators = sorted(({"login": logins.get(user_id, "none"), "answered": answered_count,
                         "talk_seconds": round(seconds, 1)}
                        for user_id, (answered_count, seconds) in per_operator.items()),
                       key=lambda r: (-r["answered"], r["login"]))
    return {
        "offered": total.offered, "answered": total.answered,
        "abandoned": total.in_hours_abandoned, "abandonment_rate": _ratio(total.in_hours_abandoned,
                                                                          total.in_hours_offered),
        "asa_seconds": round(sum(waits) / len(waits), 1) if waits else None,
        "asa_p90_seconds": round(waits[rank_for(90, len(waits)) - 1], 1) if waits else None,
        "service_level": _ratio(total.within_level, total.in_hours_offered),
        "service_level_seconds": level,
        "talk_seconds": round(sum(talk), 1), "talk_mean_seconds": round(sum(talk) / len(talk), 1) if talk else None,
        "forwarded": forwarded, "out_of_hours": out_of_hours, "outbound": outbound, "ringing": ringing,
        "by_hour": [b.row() for b in by_hour],
        "by_day": {day: bucket.row() for day, bucket in sorted(by_day.items())},
        "operators": operators,
    }


def board_figures(now: datetime | None = None) -> dict:
    """The wallboard: calls ringing now and the longest wait, operators on a call, today's
    service level and abandonment."""
    now = now or utcnow()
    recent = now - timedelta(hours=2)  # a call whose hang-up never came does not ring for ever
    ringing = db.session.execute(select(TelephonyCall.rang_at).where(
        TelephonyCall.direction == CallDirection.INBOUND, TelephonyCall.answered_at.is_(None),
        TelephonyCall.ended_at.is_(None), TelephonyCall.rang_at >= recent)).scalars().all()
    on_call = db.session.execute(select(User).join(TelephonyCall, TelephonyCall.answered_by_id == User.id).where(
        TelephonyCall.answered_at.is_not(None), TelephonyCall.ended_at.is_(None),
        TelephonyCall.answered_at >= now - timedelta(hours=4)).distinct()).scalars().all()
    today = Period(today_local(), today_local() + timedelta(days=1))
    start, end = today.bounds()
    figures = telephony_figures(start, end)
    return {"ringing": len(ringing),
            "longest_wait_seconds": max(((now - r).total_seconds() for r in ringing), default=None),
            "on_call": sorted(u.display_name for u in on_call),
            "today": figures, "as_of": now}
