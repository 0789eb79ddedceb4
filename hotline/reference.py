"""Reference data (topics, sister cities, SLA targets, calendar exceptions): as people pick it in
forms, and as a short-lived per-process snapshot for the hot path of call logging.

The snapshot lives `REFERENCE_CACHE_SECONDS` (config); an admin's change reaches every process
within that time, and the process that made it at once (`invalidate_reference_cache`)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from .extensions import db
from .i18n import current_locale
from .models import CalendarDay, SisterCity, SlaPolicy, Topic


@dataclass(frozen=True)
class Ref:
    id: int
    code: str
    name_ru: str
    name_en: str
    active: bool

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru


@dataclass
class ReferenceSnapshot:
    loaded_at: float
    topics: dict[str, Ref] = field(default_factory=dict)
    cities: dict[str, Ref] = field(default_factory=dict)
    # topic id (None = default) → (first-response hours, answer hours)
    sla: dict[int | None, tuple[float, float]] = field(default_factory=dict)
    calendar_overrides: dict[date, bool] = field(default_factory=dict)


def _load() -> ReferenceSnapshot:
    snap = ReferenceSnapshot(loaded_at=time.monotonic())
    for row in db.session.execute(select(Topic.id, Topic.code, Topic.name_ru, Topic.name_en, Topic.active)):
        snap.topics[row.code] = Ref(*row)
    for row in db.session.execute(
        select(SisterCity.id, SisterCity.code, SisterCity.name_ru, SisterCity.name_en, SisterCity.active)
    ):
        snap.cities[row.code] = Ref(*row)
    for row in db.session.execute(select(SlaPolicy.topic_id, SlaPolicy.first_response_hours, SlaPolicy.answer_hours)):
        snap.sla[row.topic_id] = (row.first_response_hours, row.answer_hours)
    snap.calendar_overrides = dict(db.session.execute(select(CalendarDay.day, CalendarDay.working)).all())
    return snap


def reference() -> ReferenceSnapshot:
    app = current_app._get_current_object()
    snap = app.extensions.get("hotline.reference")
    ttl = app.config.get("REFERENCE_CACHE_SECONDS", 30)
    if snap is None or time.monotonic() - snap.loaded_at >= ttl:
        snap = _load()
        app.extensions["hotline.reference"] = snap
    return snap


def invalidate_reference_cache() -> None:
    current_app.extensions.pop("hotline.reference", None)


def topic_choices(blank_label: str | None = None) -> list[tuple[str, str]]:
    locale = current_locale()
    topics = db.session.execute(
        select(Topic).where(Topic.active.is_(True)).order_by(Topic.position, Topic.id)
    ).scalars()
    choices = [(t.code, t.name(locale)) for t in topics]
    return ([("", blank_label)] if blank_label is not None else []) + choices


def city_choices(blank_label: str) -> list[tuple[str, str]]:
    locale = current_locale()
    cities = db.session.execute(
        select(SisterCity).where(SisterCity.active.is_(True)).order_by(SisterCity.agreement_year, SisterCity.id)
    ).scalars()
    return [("", blank_label)] + [(c.code, c.name(locale)) for c in cities]
