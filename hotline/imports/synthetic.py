"""Realistic synthetic history for demos and benchmarks (`generate-calls N --days D`): office-hour
peaks, quiet weekends and holidays, skewed topics, FAQ uses with a long tail, enquiries routed to
the topics' coordinators and answered in business time, some cancelled, some reopened."""
from __future__ import annotations

import math
import random
import secrets
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import insert, select

from ..auth.service import create_user
from ..extensions import db
from ..models import (
    CallChannel, CallOutcome, Caller, CoordinatorGroup, EnquiryStatus, FaqEntry, FaqStatus, GroupMember,
    Role, SisterCity, Topic, User, utcnow,
)
from ..seed.demo import DEMO_QUESTIONS
from ..seed.reference import seed_reference
from ..timefmt import local_zone
from .history import HistoryWriter, IdBlock

CHANNELS = ([CallChannel.PHONE, CallChannel.EMAIL, CallChannel.WALK_IN, CallChannel.WEB,
             CallChannel.PARTNER_API], [74, 10, 5, 9, 2])
OUTCOMES = ([CallOutcome.ANSWERED, CallOutcome.ROUTED, CallOutcome.INFO, CallOutcome.DROPPED],
            [45, 40, 10, 5])
HOURS = list(range(24))
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 60, 90, 100, 85, 70, 95, 100, 90, 70, 8, 5, 4, 3, 2, 1]


def generate_calls(count: int, days: int, seed: int = 1, progress=None) -> dict[str, int]:
    """Insert `count` calls spread over the `days` days that end now. Does not commit."""
    rng = random.Random(seed)
    seed_reference()
    zone = local_zone()
    now = utcnow()
    topics = list(db.session.execute(select(Topic.id).order_by(Topic.position, Topic.id)).scalars())
    topic_weights = [1 / (i + 1) ** 0.6 for i in range(len(topics))]
    questions = _questions_by_topic()
    cities = list(db.session.execute(select(SisterCity.id).order_by(SisterCity.id)).scalars())
    city_weights = [6, 4, 3, 5, 5, 2][:len(cities)] + [2] * max(0, len(cities) - 6)
    per_day = max(1, count // max(days, 1))
    operators = _operators(max(2, min(30, per_day // 90)), rng)
    coordinators = _coordinators_by_topic(topics)
    faq = list(db.session.execute(select(FaqEntry.id).where(FaqEntry.status == FaqStatus.PUBLISHED)
                                  .order_by(FaqEntry.id)).scalars())
    faq_used = faq[: max(1, len(faq) * 4 // 5)] if faq else []  # the rest stays never used
    faq_weights = [1 / (i + 1) for i in range(len(faq_used))]
    callers = _callers(max(10, min(50_000, count // 10)), rng)

    writer = HistoryWriter()
    today = now.astimezone(zone).date()
    day_list = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    day_weights = [1.0 if writer.calendar.is_working_day(d) else 0.12 for d in day_list]
    calendar = writer.calendar
    made = 0
    for day, n in zip(day_list, _spread(count, day_weights, rng)):
        for _ in range(n):
            hour = rng.choices(HOURS, HOUR_WEIGHTS)[0]
            start = datetime.combine(day, time(hour), tzinfo=zone) + timedelta(seconds=rng.randrange(3600))
            start = start.astimezone(timezone.utc)
            if start > now:
                start = now - timedelta(seconds=rng.randrange(60, 3600))
            outcome = rng.choices(*OUTCOMES)[0]
            topic_id = rng.choices(topics, topic_weights)[0]
            question, question_city = rng.choice(questions.get(topic_id) or [("", None)])
            call = {
                "channel": rng.choices(*CHANNELS)[0], "caller_id": rng.choice(callers),
                "operator_id": rng.choice(operators), "topic_id": topic_id,
                "city_id": question_city or (rng.choices(cities, city_weights)[0]
                                             if cities and rng.random() < 0.4 else None),
                "question": question if outcome is not CallOutcome.INFO else "",
                "outcome": outcome, "started_at": start,
                "ended_at": start + timedelta(seconds=int(rng.lognormvariate(5.3, 0.5)))
                if rng.random() > 0.02 else None,
            }
            enquiry, uses = None, []
            if outcome is CallOutcome.ROUTED:
                enquiry = _enquiry(rng, call, coordinators.get(topic_id) or [None], calendar, now)
            elif outcome is CallOutcome.ANSWERED and faq_used and rng.random() < 0.75:
                uses = [rng.choices(faq_used, faq_weights)[0]]
            writer.add(call, enquiry, uses)
            made += 1
            if progress and made % 50_000 == 0:
                progress(made)
    writer.flush()
    return {"calls": writer.calls, "enquiries": writer.enquiries, "faq_uses": writer.faq_uses}


def _enquiry(rng, call, coordinators, calendar, now) -> dict:
    created = call["ended_at"] or call["started_at"]
    assignee = rng.choice(coordinators)
    enquiry = {"created_at": created, "assignee_id": assignee,
               "assigned_at": created + timedelta(milliseconds=int(rng.lognormvariate(5, 0.8)))
               if assignee else None}
    if assignee is None:
        return enquiry
    if rng.random() < 0.015:
        cancelled = created + timedelta(hours=rng.uniform(1, 48))
        if cancelled < now:
            enquiry.update(cancelled_at=cancelled, cancel_reason="Заявитель отозвал вопрос")
        return enquiry
    answered = calendar.add_business_hours(created, min(200.0, rng.lognormvariate(1.9, 0.9)))
    if answered >= now:
        return enquiry
    enquiry.update(answered_at=answered, answer="Ответ дан заявителю по телефону и письмом.")
    if rng.random() < 0.02:  # reopened, answered again when that time has come
        reopened = answered + timedelta(hours=rng.uniform(2, 48))
        again = calendar.add_business_hours(reopened, rng.uniform(1, 16))
        if reopened < now:
            enquiry["reopened_at"] = reopened
            if again < now:
                enquiry["answered_at"] = again
            else:
                enquiry["status"] = EnquiryStatus.REOPENED
    elif answered < now - timedelta(days=14) and rng.random() < 0.7:
        enquiry["closed_at"] = answered + timedelta(days=14)
    return enquiry


def _spread(total: int, weights: list[float], rng) -> list[int]:
    """Integers proportional to `weights`, with a little noise, summing to `total`."""
    noisy = [w * rng.uniform(0.85, 1.15) for w in weights]
    scale = total / sum(noisy)
    counts = [int(math.floor(w * scale)) for w in noisy]
    for i in rng.sample(range(len(counts)), k=min(len(counts), total - sum(counts))):
        counts[i] += 1
    while sum(counts) < total:  # more remainder than days: spread it again
        counts[rng.randrange(len(counts))] += 1
    return counts


def _operators(count: int, rng) -> list[int]:
    ids = list(db.session.execute(select(User.id).where(User.role == Role.OPERATOR)).scalars())
    number = 1
    while len(ids) < count:
        login = f"gen-operator-{number:02d}"
        number += 1
        if db.session.execute(select(User.id).where(User.login == login)).scalar() is None:
            ids.append(create_user(login, "operator", secrets.token_urlsafe(16), f"Operator {number - 1}").id)
    return ids[:count]


def _questions_by_topic() -> dict[int, list[tuple[str, int | None]]]:
    """The demo seed's questions under their own topic, with the sister city they name (if any)."""
    topic_ids = dict(db.session.execute(select(Topic.code, Topic.id)).all())
    city_ids = dict(db.session.execute(select(SisterCity.code, SisterCity.id)).all())
    result: dict[int, list[tuple[str, int | None]]] = {}
    for code, city, question in DEMO_QUESTIONS:
        if code in topic_ids:
            result.setdefault(topic_ids[code], []).append((question, city_ids.get(city)))
    return result


def _coordinators_by_topic(topics: list[int]) -> dict[int, list[int]]:
    rows = db.session.execute(
        select(CoordinatorGroup.topic_id, GroupMember.user_id)
        .join(GroupMember, GroupMember.group_id == CoordinatorGroup.id)).all()
    result: dict[int, list[int]] = {}
    for topic_id, user_id in rows:
        result.setdefault(topic_id, []).append(user_id)
    codes = dict(db.session.execute(select(Topic.id, Topic.code)).all())
    for topic_id in topics:
        if not result.get(topic_id):
            login = f"gen-coordinator-{codes[topic_id]}"
            user = db.session.execute(select(User).where(User.login == login)).scalar_one_or_none()
            if user is None:
                user = create_user(login, "coordinator", secrets.token_urlsafe(16), login,
                                   topics=[codes[topic_id]])
            result[topic_id] = [user.id]
    db.session.flush()
    return result


def _callers(count: int, rng) -> list[int]:
    ids = IdBlock(Caller.__table__).take(count)
    created = utcnow()
    rows = [{"id": caller_id, "name": "", "phone": f"+79{rng.randrange(10**8, 10**9)}", "email": None,
             "language": "ru", "consent_at": created, "created_at": created, "anonymised_at": None}
            for caller_id in ids]
    for i in range(0, len(rows), 5000):
        db.session.connection().execute(insert(Caller.__table__), rows[i:i + 5000])
    return ids
