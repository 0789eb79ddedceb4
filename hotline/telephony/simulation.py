"""Realistic telephony traffic for demos, the seed and the benchmark: Poisson arrivals, a queue
in front of the operators (first free operator answers), exponential talk times, callers who give
up when the wait exceeds their patience, a few transfers. `plan` makes the calls; `events` turns
them into Zammad CTI events in time order; `seed_history` writes weeks of it straight into the
telephony calls (through `apply_event`'s rules, without the HTTP round trip)."""
from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from ..extensions import db
from ..models import CallDirection, CallbackKind, CallbackStatus, CallbackTask, TelephonyCall, User
from ..timefmt import to_local

HUNG_UP = ("cancel", "cancel", "noAnswer", "busy")  # how an abandoned call ends, as PBXes report it


@dataclass
class PlannedCall:
    call_id: str
    phone: str
    rang: float  # seconds from the start
    answered: float | None
    ended: float
    extension: str | None
    cause: str


def plan(count: int, rate: float, extensions: list[str], *, seed: int = 12, mean_talk: float = 150.0,
         mean_patience: float = 45.0, forward_share: float = 0.03, prefix: str = "sim",
         phones: list[str] | None = None) -> list[PlannedCall]:
    """`count` inbound calls arriving at `rate` a second on average, answered by the operators of
    `extensions` in turn as they come free."""
    rng = random.Random(seed)
    scale = min(1.0, mean_talk / 60)  # short demo calls ring and wrap up quicker too
    free_at = [(0.0, ext) for ext in extensions]  # a heap: when each operator is next free
    heapq.heapify(free_at)
    now, calls = 0.0, []
    for number in range(count):
        now += rng.expovariate(rate)
        phone = rng.choice(phones) if phones else f"+7342{rng.randrange(2000000, 2999999)}"
        call_id = f"{prefix}-{seed}-{number}"
        patience = rng.expovariate(1 / mean_patience)
        if rng.random() < forward_share:
            calls.append(PlannedCall(call_id, phone, now, None, now + rng.uniform(2, 8) * scale, None, "forwarded"))
            continue
        if not free_at:
            calls.append(PlannedCall(call_id, phone, now, None, now + patience, None, rng.choice(HUNG_UP)))
            continue
        available, extension = heapq.heappop(free_at)
        answer = max(now + rng.uniform(2, 6) * scale, available)  # a few rings, or the wait for a free operator
        if answer - now > patience:
            heapq.heappush(free_at, (available, extension))
            calls.append(PlannedCall(call_id, phone, now, None, now + patience, None, rng.choice(HUNG_UP)))
            continue
        ended = answer + max(10.0 * scale, rng.expovariate(1 / mean_talk))
        heapq.heappush(free_at, (ended + rng.uniform(5, 30) * scale, extension))  # wrap-up before the next call
        calls.append(PlannedCall(call_id, phone, now, answer, ended, extension, "normalClearing"))
    return calls


def events(calls: list[PlannedCall], to_number: str = "2124486") -> list[tuple[float, dict]]:
    """(seconds from the start, CTI fields) for every event of the calls, in time order."""
    out = []
    for call in calls:
        base = {"callId": call.call_id, "direction": "in", "from": call.phone, "to": to_number}
        out.append((call.rang, {**base, "event": "newCall", "user[]": "Зелёная линия"}))
        if call.answered is not None:
            out.append((call.answered, {**base, "event": "answer", "answeringNumber": call.extension}))
        out.append((call.ended, {**base, "event": "hangup", "cause": call.cause,
                                 **({"answeringNumber": call.extension} if call.extension else {})}))
    out.sort(key=lambda item: item[0])
    return out


def seed_history(start: datetime, days: int, extensions: list[str], *, until: datetime, per_hour: float = 10.0,
                 seed: int = 2026, calendar=None) -> int:
    """Telephony history for the demo from `start` (a Perm midnight): each working day 09:00–18:00
    (busier before noon), a trickle in the evening; calls not over by `until` are left out. Written
    as finished telephony calls in bulk (what `apply_event` would make of their events), with
    today's missed calls waiting in the call-backs list and earlier ones called back. Returns the
    calls made."""
    users = dict(db.session.execute(select(User.extension, User.id).where(User.extension.in_(extensions))).all())
    today = until.astimezone(start.tzinfo).replace(hour=0, minute=0, second=0, microsecond=0)
    rows, missed = [], []
    for offset in range(days):
        day = start + timedelta(days=offset)
        working = calendar.is_working_day(day.date()) if calendar else day.weekday() < 5
        for hour in range(8, 21):
            in_hours = working and 9 <= hour < 18
            rate = per_hour * (1.4 if 10 <= hour < 12 else 1.0) if in_hours else 1.5
            hour_seed = seed + offset * 100 + hour
            count = random.Random(hour_seed).randint(int(rate * 0.7), int(rate * 1.3))
            if not count:
                continue
            hour_start = day.replace(hour=hour, minute=0, second=0, microsecond=0)
            on_duty = extensions if in_hours else extensions[:1]
            for call in plan(count, count / 3600, on_duty, seed=hour_seed, prefix=f"demo-{day:%Y%m%d}-{hour:02d}"):
                at = (lambda seconds: hour_start + timedelta(seconds=seconds))
                if at(call.ended) >= until:
                    continue
                rows.append({"call_id": call.call_id, "direction": CallDirection.INBOUND, "from_number": call.phone,
                             "to_number": "2124486", "phone": call.phone, "rang_at": at(call.rang),
                             "answered_at": at(call.answered) if call.answered is not None else None,
                             "ended_at": at(call.ended), "answering_number": call.extension,
                             "answered_by_id": users.get(call.extension), "cause": call.cause,
                             "updated_at": at(call.ended)})
                if call.answered is None and call.cause != "forwarded":
                    missed.append((call.call_id, call.phone, at(call.rang), at(call.ended), call.cause))
    for first in range(0, len(rows), 500):
        db.session.execute(insert(TelephonyCall), rows[first:first + 500])
    ids = dict(db.session.execute(select(TelephonyCall.call_id, TelephonyCall.id).where(
        TelephonyCall.call_id.like("demo-%"))).all())
    tasks = [{"kind": CallbackKind.MISSED_CALL, "phone": phone, "telephony_call_id": ids[call_id],
              "reason": f"{to_local(rang):%d.%m %H:%M} · {cause}", "attempts_count": 0, "created_at": ended,
              "status": CallbackStatus.OPEN if ended >= today else CallbackStatus.DONE,
              "closed_at": None if ended >= today else ended + timedelta(minutes=40)}
             for call_id, phone, rang, ended, cause in missed]
    for first in range(0, len(tasks), 500):
        db.session.execute(insert(CallbackTask), tasks[first:first + 500])
    return len(rows)
