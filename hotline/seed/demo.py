"""The demo set for `make run`: one user of each role, coordinators for every topic, an FAQ and
a few weeks of calls, so that every screen has something to show. Idempotent."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, select

from config import DEMO_PASSWORD

from ..auth.service import create_user, set_coordinator_scope
from ..enquiries.references import next_reference
from ..enquiries.service import SLA_WARN_FRACTION, business_calendar, sla_targets
from ..extensions import db
from ..models import (
    Call, CallChannel, CallOutcome, Caller, Enquiry, EnquiryEvent, EnquiryStatus, FaqEntry,
    FaqStatus, FaqUse, FaqWording, SisterCity, Topic, User, utcnow,
)
from ..timefmt import local_zone
from .faq_content import FAQ
from .reference import seed_reference

USERS = [
    # login, role, name, topics, cities
    ("operator", "operator", "Ольга Смирнова", [], []),
    ("operator2", "operator", "Андрей Волков", [], []),
    ("coordinator", "coordinator", "Мария Ковалёва", ["youth", "culture"], []),
    ("supervisor", "supervisor", "Елена Орлова", [], []),
    ("admin", "admin", "Администратор", [], []),
    ("ivanova", "coordinator", "Ирина Иванова", ["business", "staffing"], []),
    ("petrov", "coordinator", "Павел Петров", ["disability", "centres", "receptions"], []),
    ("sidorova", "coordinator", "Светлана Сидорова", ["archives", "media", "information"], []),
    ("kuznetsov", "coordinator", "Кирилл Кузнецов", ["extreme-park", "other", "youth"], ["duisburg"]),
]

DEMO_QUESTIONS = [
    "Как попасть в молодёжный обмен с Дуйсбургом?", "Когда будет набор в Crossroutes?",
    "Хочу поехать с деловой миссией в Циндао", "Что нужно для участия в «Кадрах под ключ»?",
    "Есть ли стажировки для специалистов по реабилитации?", "Нужна архивная справка о договоре с Оксфордом",
    "Когда Дни городов-побратимов?", "Где получить бюллетень «Побратимы»?",
    "Как записаться в приёмную Главы города?", "Во сколько открывается экстрим-парк?",
    "Нужна аккредитация на визит делегации из Луисвилла", "Когда презентация международных проектов?",
]
FIRST_NAMES = ["Анна", "Иван", "Мария", "Дмитрий", "Наталья", "Сергей", "Ольга", "Алексей", "", ""]
LAST_NAMES = ["Соколова", "Морозов", "Лебедева", "Новиков", "Попова", "Фёдоров", "Егорова", "Зайцев"]


def seed_demo(calls_days: int = 21, calls_per_day: int = 24) -> dict[str, int]:
    created = seed_reference()
    created["users"] = _seed_users()
    created["faq"] = _seed_faq()
    created["calls"] = 0
    if not db.session.execute(select(func.count(Call.id))).scalar_one():
        created["calls"] = _seed_calls(calls_days, calls_per_day)
    db.session.flush()
    return created


def _seed_users() -> int:
    count = 0
    for login, role, name, topics, cities in USERS:
        user = db.session.execute(select(User).where(User.login == login)).scalar_one_or_none()
        if user is None:
            create_user(login, role, DEMO_PASSWORD, name, topics=topics, cities=cities)
            count += 1
        else:
            set_coordinator_scope(user, topics, cities)
    db.session.flush()
    return count


def _seed_faq() -> int:
    existing = set(db.session.execute(select(FaqEntry.question)).scalars())
    topics = {t.code: t.id for t in db.session.execute(select(Topic)).scalars()}
    cities = {c.code: c.id for c in db.session.execute(select(SisterCity)).scalars()}
    owner = db.session.execute(select(User.id).where(User.login == "supervisor")).scalar()
    count = 0
    for topic, city, language, question, answer, wordings in FAQ:
        if question in existing:
            continue
        entry = FaqEntry(question=question, answer=answer, topic_id=topics[topic],
                         city_id=cities.get(city) if city else None, language=language,
                         status=FaqStatus.PUBLISHED, owner_id=owner)
        entry.wordings = [FaqWording(text=w) for w in wordings]
        db.session.add(entry)
        count += 1
    db.session.flush()
    from ..faq import indexing

    indexing.reindex_all()
    return count


def _seed_calls(days: int, per_day: int) -> int:
    rng = random.Random(2026)
    zone = local_zone()
    operators = db.session.execute(select(User).where(User.login.in_(["operator", "operator2"]))).scalars().all()
    topics = db.session.execute(select(Topic)).scalars().all()
    cities = db.session.execute(select(SisterCity)).scalars().all()
    faq = db.session.execute(select(FaqEntry).where(FaqEntry.status == FaqStatus.PUBLISHED)).scalars().all()
    coordinators = _coordinators_by_topic()
    calendar = business_calendar()
    callers: list[Caller] = []
    for i in range(120):
        callers.append(Caller(
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}".strip(),
            phone=f"+7342{2000000 + rng.randrange(0, 999999):07d}" if i % 3 else f"+79{rng.randrange(10**8, 10**9 - 1)}",
            language="ru", consent_at=utcnow(), created_at=utcnow() - timedelta(days=days + 1)))
    db.session.add_all(callers)
    db.session.flush()
    now = utcnow()
    count = 0
    today = now.astimezone(zone).date()
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        if not calendar.is_working_day(day):
            continue
        for _ in range(rng.randint(per_day // 2, per_day * 3 // 2)):
            start = datetime.combine(day, time(9), tzinfo=zone) + timedelta(minutes=rng.randrange(0, 540))
            start = start.astimezone(timezone.utc)
            if start > now - timedelta(minutes=5):
                continue
            topic = rng.choice(topics)
            outcome = rng.choices(list(CallOutcome), weights=[55, 30, 10, 5])[0]
            call = Call(channel=rng.choices(list(CallChannel), weights=[80, 8, 5, 5, 2])[0],
                        caller=rng.choice(callers), operator=rng.choice(operators), topic_id=topic.id,
                        city_id=rng.choice(cities).id if rng.random() < 0.4 else None,
                        question=rng.choice(DEMO_QUESTIONS) if outcome is not CallOutcome.INFO else "",
                        outcome=outcome, started_at=start,
                        ended_at=start + timedelta(seconds=rng.randint(60, 420)), created_at=start)
            db.session.add(call)
            db.session.flush()
            if outcome is CallOutcome.ANSWERED and faq and rng.random() < 0.8:
                entry = rng.choice(faq)
                db.session.add(FaqUse(entry_id=entry.id, call_id=call.id, user_id=call.operator_id,
                                      used_at=call.ended_at))
                entry.use_count += 1
                entry.last_used_at = max(entry.last_used_at or call.ended_at, call.ended_at)
            if outcome is CallOutcome.ROUTED:
                _demo_enquiry(rng, call, coordinators.get(topic.id, []), calendar, now)
            count += 1
    return count


def _coordinators_by_topic() -> dict[int, list[User]]:
    from ..models import CoordinatorGroup, GroupMember

    rows = db.session.execute(
        select(CoordinatorGroup.topic_id, User).join(GroupMember, GroupMember.group_id == CoordinatorGroup.id)
        .join(User, User.id == GroupMember.user_id)
    ).all()
    result: dict[int, list[User]] = {}
    for topic_id, user in rows:
        result.setdefault(topic_id, []).append(user)
    return result


def _demo_enquiry(rng, call: Call, coordinators: list[User], calendar, now: datetime) -> None:
    created = call.ended_at
    first_hours, answer_hours = sla_targets(call.topic_id)
    enquiry = Enquiry(reference=next_reference(created.astimezone(local_zone()).year), call=call,
                      caller_id=call.caller_id, created_by_id=call.operator_id, topic_id=call.topic_id,
                      city_id=call.city_id, question=call.question, created_at=created,
                      first_response_due_at=calendar.add_business_hours(created, first_hours),
                      sla_warn_at=calendar.add_business_hours(created, answer_hours * SLA_WARN_FRACTION),
                      due_at=calendar.add_business_hours(created, answer_hours), status=EnquiryStatus.NEW)
    enquiry.events.append(EnquiryEvent(kind="created", actor_id=call.operator_id, detail={}, created_at=created))
    if coordinators:
        assignee = rng.choice(coordinators)
        enquiry.status = EnquiryStatus.ASSIGNED
        enquiry.assignee_id = assignee.id
        enquiry.assigned_at = created + timedelta(milliseconds=rng.randint(20, 400))
        enquiry.events.append(EnquiryEvent(kind="assigned", detail={"to": assignee.login},
                                           created_at=enquiry.assigned_at))
        answered = created + timedelta(hours=rng.uniform(0.5, 90))
        if answered < now - timedelta(hours=1) and rng.random() < 0.85:
            enquiry.status = EnquiryStatus.ANSWERED
            enquiry.first_response_at = enquiry.answered_at = answered
            enquiry.answer = "Ответ дан по телефону; подробности отправлены на почту заявителя."
            enquiry.answer_business_seconds = calendar.business_seconds_between(created, answered)
            enquiry.events.append(EnquiryEvent(kind="answered", actor_id=assignee.id, detail={},
                                               created_at=answered))
    db.session.add(enquiry)
