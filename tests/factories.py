"""Factory helpers: tests say what matters to them and take defaults for the rest."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import Call, CallChannel, CallOutcome, Caller, SisterCity, Topic, User, utcnow

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def make_user(role: str = "operator", login: str | None = None, password: str = PASSWORD,
              topics=(), cities=(), name: str = "") -> User:
    from hotline.auth.service import create_user

    return create_user(login or f"{role}{next(_seq)}", role, password, name or f"Test {role}",
                       topics=topics, cities=cities)


def topic(code: str = "youth") -> Topic:
    return db.session.execute(select(Topic).where(Topic.code == code)).scalar_one()


def city(code: str) -> SisterCity:
    return db.session.execute(select(SisterCity).where(SisterCity.code == code)).scalar_one()


def make_caller(phone: str | None = "+73422124486", name: str = "Анна Соколова") -> Caller:
    caller = Caller(name=name, phone=phone)
    db.session.add(caller)
    db.session.flush()
    return caller


def make_call(operator: User | None = None, topic_code: str = "youth", outcome: CallOutcome = CallOutcome.ANSWERED,
              caller: Caller | None = None, started_at: datetime | None = None, seconds: int = 120,
              question: str = "Как попасть в молодёжный обмен?", city_code: str | None = None) -> Call:
    started_at = started_at or utcnow() - timedelta(minutes=10)
    call = Call(channel=CallChannel.PHONE, caller=caller, operator=operator, topic=topic(topic_code),
                city=city(city_code) if city_code else None, question=question, outcome=outcome,
                started_at=started_at, ended_at=started_at + timedelta(seconds=seconds))
    db.session.add(call)
    db.session.flush()
    return call


def call_payload(**overrides) -> dict:
    payload = {
        "caller": {"name": "Анна Соколова", "phone": "8 (342) 212-44-86", "language": "ru"},
        "channel": "phone",
        "topic": "youth",
        "city": "duisburg",
        "question": "Как попасть в молодёжный обмен с Дуйсбургом?",
        "outcome": "routed",
    }
    payload.update(overrides)
    return payload


def make_coordinator(topics=("youth",), cities=(), login: str | None = None) -> User:
    return make_user("coordinator", login=login, topics=topics, cities=cities)


def make_enquiry(operator: User | None = None, topic_code: str = "youth", city_code: str | None = None,
                 question: str = "Как попасть в молодёжный обмен?"):
    """A routed call and its `new` enquiry, through the same verb the desk uses."""
    from hotline.calls.service import log_call

    operator = operator or make_user("operator")
    call = log_call(operator, call_payload(topic=topic_code, city=city_code, question=question))
    return call.enquiry


def count(db, model, *where) -> int:
    """How many rows of `model` match."""
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()
