"""Topics and sister cities: codes are fixed once made; a row anything refers to is switched off,
not deleted. A new topic comes with its own coordinator group and a default routing rule."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ... import audit
from ...errors import Conflict
from ...extensions import db
from ...models import (
    Call, CoordinatorGroup, Enquiry, FaqEntry, GroupMember, RoutingRule, SisterCity, SlaPolicy, Topic, User,
)
from ...reference import invalidate_reference_cache
from .base import apply_changes, invalid, text, today

CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def all_topics() -> list[Topic]:
    """Every topic, switched off ones too, in the order forms list them."""
    return list(db.session.execute(select(Topic).order_by(Topic.position, Topic.id)).scalars())


def all_cities() -> list[SisterCity]:
    """Every sister city, switched off ones too, oldest agreement first."""
    return list(db.session.execute(select(SisterCity).order_by(SisterCity.agreement_year, SisterCity.id)).scalars())


def _check_code(model, code: str) -> str:
    code = text(code)
    if not (CODE_RE.fullmatch(code) and len(code) <= 32):
        raise invalid("code", _l("A code is up to 32 lowercase latin letters, digits and hyphens, e.g. youth-camp."))
    if db.session.execute(select(model.id).where(model.code == code)).first():
        raise invalid("code", _l("The code %(code)s is taken.", code=code))
    return code


def _check_names(values: dict[str, str], limit: int) -> dict[str, str]:
    cleaned = {}
    for name, value in values.items():
        value = text(value)
        if not value or len(value) > limit:
            raise invalid(name, _l("Required, at most %(n)s characters.", n=limit))
        cleaned[name] = value
    return cleaned


def _check_year(year: int | None) -> None:
    if year is not None and not 1900 <= year <= today().year:
        raise invalid("agreement_year", _l("A year from 1900 to this year."))


def _record_update(actor: User, obj, changes: dict) -> None:
    if changes:
        audit.record(actor, "update", obj, **changes)
    db.session.flush()
    invalidate_reference_cache()


def add_topic(actor: User, *, code: str, name_ru: str, name_en: str, position: int, active: bool = True) -> Topic:
    """A new topic with its own coordinator group and a default routing rule (as seed-reference)."""
    code = _check_code(Topic, code)
    names = _check_names({"name_ru": name_ru, "name_en": name_en}, 200)
    topic = Topic(code=code, position=position, active=active, **names)
    db.session.add(topic)
    db.session.flush()
    group_name = f"{names['name_ru']} — координаторы"
    if db.session.execute(select(CoordinatorGroup.id).where(CoordinatorGroup.name == group_name)).first():
        group_name = f"{group_name} ({code})"
    group = CoordinatorGroup(name=group_name, topic_id=topic.id)
    db.session.add(group)
    db.session.flush()
    db.session.add(RoutingRule(topic_id=topic.id, city_id=None, group_id=group.id, priority=0))
    db.session.flush()
    audit.record(actor, "create", topic, code=code, group_id=group.id)
    invalidate_reference_cache()
    return topic


def update_topic(actor: User, topic: Topic, *, name_ru: str, name_en: str, position: int, active: bool) -> None:
    names = _check_names({"name_ru": name_ru, "name_en": name_en}, 200)
    _record_update(actor, topic, apply_changes(topic, {**names, "position": position, "active": active}))


def delete_topic(actor: User, topic: Topic) -> None:
    """Only a topic nothing refers to (no calls, enquiries or FAQ entries); its own groups, rules
    and SLA override go with it. Otherwise switch it off instead."""
    for model in (Call, Enquiry, FaqEntry):
        if db.session.execute(select(model.id).where(model.topic_id == topic.id).limit(1)).first():
            raise Conflict(_l("Calls, enquiries or FAQ entries refer to this topic, so it cannot be deleted; "
                              "switch it off instead."))
    groups = db.session.execute(select(CoordinatorGroup).where(CoordinatorGroup.topic_id == topic.id)).scalars().all()
    group_ids = [g.id for g in groups]
    other_rules = db.session.execute(select(RoutingRule.id).where(
        RoutingRule.group_id.in_(group_ids), RoutingRule.topic_id != topic.id).limit(1)).first() if group_ids else None
    if other_rules:
        raise Conflict(_l("Rules of other topics use this topic's groups; change them first."))
    if group_ids and db.session.execute(select(Enquiry.id).where(Enquiry.group_id.in_(group_ids)).limit(1)).first():
        raise Conflict(_l("Enquiries were routed through this topic's groups, so it cannot be deleted; "
                          "switch it off instead."))
    audit.record(actor, "delete", topic, code=topic.code)
    db.session.execute(delete(RoutingRule).where(RoutingRule.topic_id == topic.id))
    db.session.execute(delete(SlaPolicy).where(SlaPolicy.topic_id == topic.id))
    for group in groups:
        db.session.delete(group)
    db.session.flush()
    db.session.delete(topic)
    db.session.flush()
    invalidate_reference_cache()


def _city_names(name_ru: str, name_en: str, country_ru: str, country_en: str) -> dict[str, str]:
    return _check_names({"name_ru": name_ru, "name_en": name_en, "country_ru": country_ru,
                         "country_en": country_en}, 120)


def add_city(actor: User, *, code: str, name_ru: str, name_en: str, country_ru: str, country_en: str,
             agreement_year: int | None, active: bool = True) -> SisterCity:
    code = _check_code(SisterCity, code)
    names = _city_names(name_ru, name_en, country_ru, country_en)
    _check_year(agreement_year)
    city = SisterCity(code=code, agreement_year=agreement_year, active=active, **names)
    db.session.add(city)
    db.session.flush()
    audit.record(actor, "create", city, code=code)
    invalidate_reference_cache()
    return city


def update_city(actor: User, city: SisterCity, *, name_ru: str, name_en: str, country_ru: str, country_en: str,
                agreement_year: int | None, active: bool) -> None:
    names = _city_names(name_ru, name_en, country_ru, country_en)
    _check_year(agreement_year)
    _record_update(actor, city, apply_changes(city, {**names, "agreement_year": agreement_year, "active": active}))


def delete_city(actor: User, city: SisterCity) -> None:
    for model in (Call, Enquiry, FaqEntry, RoutingRule, GroupMember):
        if db.session.execute(select(model.id).where(model.city_id == city.id).limit(1)).first():
            raise Conflict(_l("Calls, enquiries, FAQ entries, rules or coordinators refer to this sister city, "
                              "so it cannot be deleted; switch it off instead."))
    audit.record(actor, "delete", city, code=city.code)
    db.session.delete(city)
    db.session.flush()
    invalidate_reference_cache()
