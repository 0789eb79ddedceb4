"""Reference data as people pick it: topics and sister cities in the current language."""
from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import select

from .extensions import db
from .models import SisterCity, Topic


def _locale() -> str:
    return str(get_locale() or "ru")


def topic_choices(blank_label: str | None = None) -> list[tuple[str, str]]:
    locale = _locale()
    topics = db.session.execute(
        select(Topic).where(Topic.active.is_(True)).order_by(Topic.position, Topic.id)
    ).scalars()
    choices = [(t.code, t.name(locale)) for t in topics]
    return ([("", blank_label)] if blank_label is not None else []) + choices


def city_choices(blank_label: str) -> list[tuple[str, str]]:
    locale = _locale()
    cities = db.session.execute(
        select(SisterCity).where(SisterCity.active.is_(True)).order_by(SisterCity.agreement_year, SisterCity.id)
    ).scalars()
    return [("", blank_label)] + [(c.code, c.name(locale)) for c in cities]
