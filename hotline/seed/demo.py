"""The demo set for `make run`: one user of each role, coordinators for every topic, an FAQ and
a few weeks of calls, so that every screen has something to show. Idempotent."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

from config import DEMO_PASSWORD
from sqlalchemy import func, select

from ..attachments.demo import seed_demo_attachments
from ..auth.service import create_user, set_coordinator_scope
from ..delivery.demo import seed_delivery_demo
from ..enquiries.references import next_reference
from ..enquiries.service import SLA_WARN_FRACTION, business_calendar, sla_targets
from ..extensions import db
from ..faq import indexing
from ..models import (
    Call, CallChannel, CallOutcome, Caller, CoordinatorGroup, Enquiry, EnquiryEvent, EnquiryStatus, FaqEntry,
    FaqStatus, FaqUse, FaqWording, GroupMember, SisterCity, TelephonyCall, Topic, User, utcnow,
)
from ..telephony.simulation import seed_history
from ..timefmt import local_zone
from .faq_content import FAQ
from .reference import seed_reference

USERS = [
    # login, role, name, scopes: (topics, cities) pairs — cities narrow those topics; none means every city
    ("operator", "operator", "Ольга Смирнова", []),
    ("operator2", "operator", "Андрей Волков", []),
    ("coordinator", "coordinator", "Мария Ковалёва", [(["youth", "culture"], [])]),
    ("supervisor", "supervisor", "Елена Орлова", []),
    ("admin", "admin", "Администратор", []),
    ("ivanova", "coordinator", "Ирина Иванова", [(["business", "staffing"], [])]),
    ("petrov", "coordinator", "Павел Петров", [(["disability", "centres", "receptions"], [])]),
    ("sidorova", "coordinator", "Светлана Сидорова", [(["archives", "media", "information"], [])]),
    # The extreme park and "other" are Perm's own: any caller, any city (or none). Youth exchanges
    # with Duisburg are his too, beside Мария Ковалёва who takes youth for every city.
    ("kuznetsov", "coordinator", "Кирилл Кузнецов", [(["extreme-park", "other"], []), (["youth"], ["duisburg"])]),
]

# What residents ask, each filed under the topic (and the sister city, if it names one) that an
# operator would choose for it; each has an FAQ entry of the same topic that answers it or comes close.
DEMO_QUESTIONS = [
    ("youth", "duisburg", "Как попасть в молодёжный обмен с Дуйсбургом?"),
    ("youth", None, "Когда будет набор в Crossroutes?"),
    ("youth", None, "Какие документы нужны сыну для поездки по молодёжному обмену?"),
    ("youth", "louisville", "Можно ли студенту пройти стажировку в Луисвилле?"),
    ("business", "qingdao", "Хочу поехать с деловой миссией в Циндао"),
    ("business", "duisburg", "Ищем делового партнёра в Дуйсбурге, с чего начать?"),
    ("staffing", None, "Что нужно для участия в «Кадрах под ключ»?"),
    ("staffing", None, "Как предприятию подать заявку в «Кадры под ключ»?"),
    ("disability", None, "Есть ли программы обмена для людей с инвалидностью?"),
    ("disability", "duisburg", "Будет ли семинар с Дуйсбургом по доступной среде?"),
    ("archives", "oxford", "Нужна архивная справка о договоре побратимства с Оксфордом"),
    ("archives", None, "Где посмотреть подарки делегаций городов-побратимов?"),
    ("culture", None, "Когда Дни городов-побратимов?"),
    ("culture", "oxford", "Какие культурные обмены будут с Оксфордом в этом году?"),
    ("culture", "qingdao", "Когда в Перми дни культуры Циндао?"),
    ("centres", None, "Где находятся общественные центры городов-побратимов?"),
    ("receptions", None, "Как записаться в приёмную Главы города?"),
    ("receptions", None, "Хочу на приёме у Главы города предложить международный проект"),
    ("extreme-park", None, "Во сколько открывается экстрим-парк?"),
    ("extreme-park", None, "Работает ли экстрим-парк в октябре?"),
    ("media", "louisville", "Нужна аккредитация журналиста на визит делегации из Луисвилла"),
    ("media", None, "Как взять интервью у членов иностранной делегации?"),
    ("information", None, "Где получить бюллетень «Побратимы»?"),
    ("information", None, "Когда ежегодная презентация международных проектов?"),
    ("information", None, "Нужны буклеты о городах-побратимах для школы"),
    ("other", None, "Какой телефон у горячей линии?"),
    ("other", None, "Подскажите номер зелёной линии для знакомой"),
]
FIRST_NAMES = ["Анна", "Иван", "Мария", "Дмитрий", "Наталья", "Сергей", "Ольга", "Алексей", "", ""]
LAST_NAMES = ["Соколова", "Морозов", "Лебедева", "Новиков", "Попова", "Фёдоров", "Егорова", "Зайцев"]


def seed_demo(calls_days: int = 21, calls_per_day: int = 24) -> dict[str, int]:
    created = seed_reference()
    created["users"] = _seed_users()
    created["faq"] = seed_faq()
    created["calls"] = 0
    if not db.session.execute(select(func.count(Call.id))).scalar_one():
        created["calls"] = _seed_calls(calls_days, calls_per_day)
    created["attachments"] = seed_demo_attachments()
    db.session.flush()
    created["deliveries"] = seed_delivery_demo()
    created["telephony_calls"] = _seed_telephony(calls_days)
    return created


EXTENSIONS = {"operator": "101", "operator2": "102"}


def _seed_telephony(days: int) -> int:
    """The operators' extensions and a few weeks of phone traffic up to now (KPIs, the wallboard)."""
    for login, extension in EXTENSIONS.items():
        user = db.session.execute(select(User).where(User.login == login)).scalar_one_or_none()
        if user is not None and user.extension is None and not db.session.execute(
                select(User.id).where(User.extension == extension)).first():
            user.extension = extension
    db.session.flush()
    if db.session.execute(select(func.count(TelephonyCall.id))).scalar_one():
        return 0
    zone = local_zone()
    now = utcnow()
    today = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), tzinfo=zone)
    return seed_history(today - timedelta(days=days), days + 1, list(EXTENSIONS.values()), until=now,
                        calendar=business_calendar())


def _seed_users() -> int:
    count = 0
    for login, role, name, scopes in USERS:
        user = db.session.execute(select(User).where(User.login == login)).scalar_one_or_none()
        if user is None:
            user = create_user(login, role, DEMO_PASSWORD, name)
            count += 1
        for topics, cities in scopes:
            set_coordinator_scope(user, topics, cities)
    db.session.flush()
    return count


def seed_faq() -> int:
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
    indexing.reindex_all()
    return count


def _seed_calls(days: int, per_day: int) -> int:
    rng = random.Random(2026)
    zone = local_zone()
    operators = db.session.execute(select(User).where(User.login.in_(["operator", "operator2"]))).scalars().all()
    topics = {t.code: t for t in db.session.execute(select(Topic)).scalars()}
    cities = {c.code: c for c in db.session.execute(select(SisterCity)).scalars()}
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
            topic_code, city_code, question = rng.choice(DEMO_QUESTIONS)
            topic = topics[topic_code]
            outcome = rng.choices(list(CallOutcome), weights=[55, 30, 10, 5])[0]
            call = Call(channel=rng.choices(list(CallChannel), weights=[80, 8, 5, 5, 2])[0],
                        caller=rng.choice(callers), operator=rng.choice(operators), topic_id=topic.id,
                        city_id=cities[city_code].id if city_code else None,
                        question=question if outcome is not CallOutcome.INFO else "",
                        outcome=outcome, started_at=start,
                        ended_at=start + timedelta(seconds=rng.randint(60, 420)), created_at=start)
            db.session.add(call)
            db.session.flush()
            answers = matching_faq(faq, topic.id, call.city_id)
            if outcome is CallOutcome.ANSWERED and answers and rng.random() < 0.8:
                entry = rng.choice(answers)
                db.session.add(FaqUse(entry_id=entry.id, call_id=call.id, user_id=call.operator_id,
                                      used_at=call.ended_at))
                entry.use_count += 1
                entry.last_used_at = max(entry.last_used_at or call.ended_at, call.ended_at)
            if outcome is CallOutcome.ROUTED:
                _demo_enquiry(rng, call, coordinators.get(topic.id, []), answers, calendar, now)
            count += 1
    return count


def matching_faq(faq: list[FaqEntry], topic_id: int, city_id: int | None) -> list[FaqEntry]:
    """The Russian entries an operator would use for a call on this topic (and city): the city's own
    entries when there are any, otherwise the topic's entries for any city."""
    same = [e for e in faq if e.topic_id == topic_id and e.language == "ru"]
    own = [e for e in same if city_id is not None and e.city_id == city_id]
    return own or [e for e in same if e.city_id is None]


def _coordinators_by_topic() -> dict[int, list[tuple[User, int | None]]]:
    rows = db.session.execute(
        select(CoordinatorGroup.topic_id, User, GroupMember.city_id)
        .join(GroupMember, GroupMember.group_id == CoordinatorGroup.id)
        .join(User, User.id == GroupMember.user_id)
    ).all()
    result: dict[int, list[tuple[User, int | None]]] = {}
    for topic_id, user, city_id in rows:
        result.setdefault(topic_id, []).append((user, city_id))
    return result


def _demo_enquiry(rng, call: Call, members: list[tuple[User, int | None]], answers: list[FaqEntry],
                  calendar, now: datetime) -> None:
    created = call.ended_at
    first_hours, answer_hours = sla_targets(call.topic_id)
    enquiry = Enquiry(reference=next_reference(created.astimezone(local_zone()).year), call=call,
                      caller_id=call.caller_id, created_by_id=call.operator_id, topic_id=call.topic_id,
                      city_id=call.city_id, question=call.question, created_at=created,
                      first_response_due_at=calendar.add_business_hours(created, first_hours),
                      sla_warn_at=calendar.add_business_hours(created, answer_hours * SLA_WARN_FRACTION),
                      due_at=calendar.add_business_hours(created, answer_hours), status=EnquiryStatus.NEW)
    enquiry.events.append(EnquiryEvent(kind="created", actor_id=call.operator_id, detail={}, created_at=created))
    # Whom routing would consider: the topic's coordinators for every city, or for the call's city.
    coordinators = sorted({user.id: user for user, only_city in members
                           if only_city is None or only_city == call.city_id}.values(), key=lambda u: u.id)
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
            enquiry.answer = (rng.choice(answers).answer if answers
                              else "Ответ дан по телефону; подробности отправлены на почту заявителя.")
            enquiry.answer_business_seconds = calendar.business_seconds_between(created, answered)
            enquiry.events.append(EnquiryEvent(kind="answered", actor_id=assignee.id, detail={},
                                               created_at=answered))
    db.session.add(enquiry)
