"""Verbs of administration: users and their scope, API tokens, absences, routing rules and groups,
SLA policies, the calendar, topics and sister cities. They flush, never commit; every change
writes an audit entry. Bad input raises ValidationFailed, a refused deletion Conflict."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from .. import audit
from ..auth.service import create_user, issue_token, set_coordinator_scope
from ..enquiries.routing import absence_recorded, release_for_rerouting
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Absence, ApiToken, CalendarDay, Call, CoordinatorGroup, Enquiry, EnquiryStatus, FaqEntry, GroupMember,
    Role, RoutingRule, SisterCity, SlaPolicy, Topic, User, utcnow,
)
from ..reference import invalidate_reference_cache
from ..timefmt import to_local

CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PASSWORD_MIN = 8
MAX_TARGET_HOURS = 2000.0  # about a year of business hours: anything longer is a typo
PRIORITY_RANGE = (-1000, 1000)


def today() -> date:
    return to_local(utcnow()).date()


def _get(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(_l("Not found."))
    return obj


def _text(value: str | None) -> str:
    return (value or "").strip()


# ---- users ---------------------------------------------------------------------------------------

def topic_group(topic: Topic) -> CoordinatorGroup | None:
    """A topic's own coordinator group (the first one made for it), the one scopes are kept in."""
    return db.session.execute(
        select(CoordinatorGroup).where(CoordinatorGroup.topic_id == topic.id).order_by(CoordinatorGroup.id)
    ).scalars().first()


def primary_group_ids() -> dict[int, Topic]:
    """Group id → topic, for each topic's own group."""
    found: dict[int, Topic] = {}
    for topic in db.session.execute(select(Topic)).scalars():
        group = topic_group(topic)
        if group is not None:
            found[group.id] = topic
    return found


@dataclass
class Scope:
    """A coordinator's topics and sister cities as the user form shows them, and the groups they
    are in beyond their topics' own groups (managed on the routing screen)."""

    topics: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    other_groups: list[CoordinatorGroup] = field(default_factory=list)


def coordinator_scope(user: User, primary: dict[int, Topic] | None = None) -> Scope:
    primary = primary_group_ids() if primary is None else primary
    scope = Scope()
    for member in user.memberships:
        topic = primary.get(member.group_id)
        if topic is None:
            if member.group not in scope.other_groups:
                scope.other_groups.append(member.group)
            continue
        if topic.code not in scope.topics:
            scope.topics.append(topic.code)
        if member.city is not None and member.city.code not in scope.cities:
            scope.cities.append(member.city.code)
    return scope


def _check_email(email: str) -> None:
    if email and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise ValidationFailed(_l("This is not an e-mail address."), {"email": _l("This is not an e-mail address.")})


def _check_scope(role: Role, topics, cities) -> None:
    if (topics or cities) and role is not Role.COORDINATOR:
        message = _l("Only coordinators have topics and sister cities.")
        raise ValidationFailed(message, {"topics": message})
    if cities and not topics:
        message = _l("Pick the topics that these sister cities narrow.")
        raise ValidationFailed(message, {"cities": message})


def add_user(actor: User, *, login: str, role: str, password: str, name: str = "", email: str = "",
             topics=(), cities=()) -> User:
    login = _text(login)
    email = _text(email)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", login):
        message = _l("A login is 1 to 64 latin letters, digits, dots, hyphens or underscores.")
        raise ValidationFailed(message, {"login": message})
    if len(password) < PASSWORD_MIN:
        message = _l("A password has at least 8 characters.")
        raise ValidationFailed(message, {"password": message})
    _check_email(email)
    _check_scope(Role(role), topics, cities)
    if db.session.execute(select(User.id).where(func.lower(User.login) == login.lower())).first():
        message = _l("A user with login %(login)s already exists.", login=login)
        raise ValidationFailed(message, {"login": message})
    user = create_user(login, role, password, _text(name), topics=list(topics), cities=list(cities), actor=actor)
    user.email = email or None
    db.session.flush()
    return user


def update_user(actor: User, user: User, *, name: str, email: str, role: str, active: bool,
                password: str = "", topics=(), cities=()) -> list[int]:
    """Change a user; returns the ids of enquiries released because a coordinator stopped being
    one (switched off, or given another role), which are then routed to others."""
    new_role = Role(role)
    old_role = user.role
    email = _text(email)
    _check_email(email)
    if password and len(password) < PASSWORD_MIN:
        message = _l("A password has at least 8 characters.")
        raise ValidationFailed(message, {"password": message})
    if user.id == actor.id and (not active or new_role is not Role.ADMIN) and actor.role is Role.ADMIN:
        message = _l("You cannot switch off your own account or take away your own administrator role.")
        raise ValidationFailed(message, {"active" if not active else "role": message})
    if new_role is Role.COORDINATOR or old_role is not Role.COORDINATOR:
        # (A coordinator being given another role keeps the ticks of their old scope: dropped below.)
        _check_scope(new_role, topics, cities)
    changes = _apply(user, {"name": _text(name), "email": email or None, "role": new_role, "active": active})
    if "role" in changes:
        changes["role"] = [r.value for r in changes["role"]]
    if password:
        user.set_password(password)
        user.failed_logins = 0
        user.locked_until = None
        changes["password"] = "reset"
    if new_role is Role.COORDINATOR:
        changes.update(set_scope(user, topics, cities))
    elif user.memberships:
        # Only coordinators are routed to: other roles keep no group memberships.
        user.memberships.clear()
        changes["groups"] = "left"
    if changes:
        audit.record(actor, "update", user, **changes)
    db.session.flush()
    if old_role is Role.COORDINATOR and not active and "active" in changes:
        return release_for_rerouting(user.id, reason="deactivated")
    if old_role is Role.COORDINATOR and new_role is not Role.COORDINATOR:
        return release_for_rerouting(user.id, reason="role-changed")
    return []


def set_scope(user: User, topic_codes, city_codes) -> dict:
    """Make a coordinator's memberships of the topics' own groups exactly the ticked topics ×
    cities (any city when none is ticked); memberships of other groups are left alone."""
    primary = primary_group_ids()
    topics = {t.code: t for t in db.session.execute(select(Topic).where(Topic.code.in_(list(topic_codes)))).scalars()}
    cities = {c.code: c for c in db.session.execute(
        select(SisterCity).where(SisterCity.code.in_(list(city_codes)))).scalars()}
    unknown = [c for c in topic_codes if c not in topics] + [c for c in city_codes if c not in cities]
    if unknown:
        raise ValidationFailed(_l("Unknown code: %(code)s.", code=unknown[0]))
    wanted = {(topic_group(t).id if topic_group(t) else None, cities[c].id if c else None)
              for t in topics.values() for c in (list(city_codes) or [None])}
    before = coordinator_scope(user)
    removed = 0
    for member in list(user.memberships):
        if member.group_id in primary and (member.group_id, member.city_id) not in wanted:
            user.memberships.remove(member)
            removed += 1
    db.session.flush()
    set_coordinator_scope(user, list(topic_codes), list(city_codes))
    db.session.flush()
    db.session.refresh(user, ["memberships"])
    after = coordinator_scope(user)
    if (sorted(before.topics), sorted(before.cities)) == (sorted(after.topics), sorted(after.cities)) and not removed:
        return {}
    return {"topics": sorted(after.topics), "cities": sorted(after.cities)}


def issue_api_token(actor: User, user: User) -> str:
    if not user.active:
        message = _l("A switched-off user cannot be given an API token.")
        raise ValidationFailed(message)
    token = issue_token(user)
    db.session.flush()
    row = db.session.execute(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token))).scalar_one()
    audit.record(actor, "issue_token", row, user=user.login, prefix=row.prefix)
    return token


def revoke_api_token(actor: User, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "revoke_token", token, user=token.user.login, prefix=token.prefix)


# ---- absences ------------------------------------------------------------------------------------

def add_absence(actor: User, *, user_id: int, starts_on: date, ends_on: date, reason: str = "") -> Absence:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.COORDINATOR:
        message = _l("Absences are recorded for coordinators only.")
        raise ValidationFailed(message, {"user": message})
    if ends_on < starts_on:
        message = _l("The last day cannot be before the first day.")
        raise ValidationFailed(message, {"ends_on": message})
    if ends_on < today():
        message = _l("This absence has already ended.")
        raise ValidationFailed(message, {"ends_on": message})
    reason = _text(reason)
    if len(reason) > 200:
        message = _l("At most %(n)s characters.", n=200)
        raise ValidationFailed(message, {"reason": message})
    overlap = db.session.execute(
        select(Absence).where(Absence.user_id == user.id, Absence.starts_on <= ends_on, Absence.ends_on >= starts_on)
    ).scalars().first()
    if overlap is not None:
        message = _l("%(name)s is already away from %(start)s to %(end)s.", name=user.display_name,
                     start=overlap.starts_on.strftime("%d.%m.%Y"), end=overlap.ends_on.strftime("%d.%m.%Y"))
        raise ValidationFailed(message, {"starts_on": message})
    absence = Absence(user_id=user.id, starts_on=starts_on, ends_on=ends_on, reason=reason)
    db.session.add(absence)
    db.session.flush()
    absence_recorded(absence, actor)  # audits it, and re-routes now or on its first day
    return absence


def delete_absence(actor: User, absence: Absence) -> None:
    audit.record(actor, "delete", absence, user=absence.user.login, starts_on=absence.starts_on.isoformat(),
                 ends_on=absence.ends_on.isoformat())
    db.session.delete(absence)
    db.session.flush()


# ---- routing rules and groups --------------------------------------------------------------------

def _check_priority(priority: int) -> None:
    low, high = PRIORITY_RANGE
    if not low <= priority <= high:
        message = _l("A priority is a whole number from %(low)s to %(high)s.", low=low, high=high)
        raise ValidationFailed(message, {"priority": message})


def save_rule(actor: User, rule: RoutingRule | None, *, topic_id: int, city_id: int | None, group_id: int,
              priority: int) -> RoutingRule:
    _get(Topic, topic_id)
    _get(CoordinatorGroup, group_id)
    if city_id is not None:
        _get(SisterCity, city_id)
    _check_priority(priority)
    same = select(RoutingRule.id).where(
        RoutingRule.topic_id == topic_id, RoutingRule.group_id == group_id,
        RoutingRule.city_id == city_id if city_id is not None else RoutingRule.city_id.is_(None))
    if rule is not None:
        same = same.where(RoutingRule.id != rule.id)
    if db.session.execute(same).first():
        message = _l("This rule exists already.")
        raise ValidationFailed(message, {"group": message})
    created = rule is None
    if created:
        rule = RoutingRule()
        db.session.add(rule)
    rule.topic_id, rule.city_id, rule.group_id, rule.priority = topic_id, city_id, group_id, priority
    db.session.flush()
    audit.record(actor, "create" if created else "update", rule, topic_id=topic_id, city_id=city_id,
                 group_id=group_id, priority=priority)
    return rule


def delete_rule(actor: User, rule: RoutingRule) -> None:
    audit.record(actor, "delete", rule, topic_id=rule.topic_id, city_id=rule.city_id, group_id=rule.group_id)
    db.session.delete(rule)
    db.session.flush()


def save_group(actor: User, group: CoordinatorGroup | None, *, name: str, topic_id: int | None) -> CoordinatorGroup:
    name = _text(name)
    if not name or len(name) > 200:
        message = _l("A name is 1 to 200 characters.")
        raise ValidationFailed(message, {"name": message})
    if topic_id is not None:
        _get(Topic, topic_id)
    # Compared in Python: SQLite's lower() leaves Cyrillic alone.
    names = db.session.execute(select(CoordinatorGroup.id, CoordinatorGroup.name)).all()
    if any(n.casefold() == name.casefold() and (group is None or i != group.id) for i, n in names):
        message = _l("A group with this name exists already.")
        raise ValidationFailed(message, {"name": message})
    created = group is None
    if created:
        group = CoordinatorGroup(name=name, topic_id=topic_id)
        db.session.add(group)
    else:
        if group.topic_id != topic_id and group.topic_id is not None and topic_group(group.topic).id == group.id:
            message = _l("This is the topic's own group; its topic cannot change.")
            raise ValidationFailed(message, {"topic": message})
        group.name, group.topic_id = name, topic_id
    db.session.flush()
    audit.record(actor, "create" if created else "update", group, name=name, topic_id=topic_id)
    return group


def delete_group(actor: User, group: CoordinatorGroup) -> None:
    rules = db.session.execute(select(func.count(RoutingRule.id)).where(RoutingRule.group_id == group.id)).scalar()
    if rules:
        raise Conflict(_l("Routing rules send enquiries to this group; delete or change them first."))
    if db.session.execute(select(Enquiry.id).where(Enquiry.group_id == group.id).limit(1)).first():
        raise Conflict(_l("Enquiries were routed through this group, so it stays; it can be renamed."))
    audit.record(actor, "delete", group, name=group.name)
    db.session.delete(group)
    db.session.flush()


def add_member(actor: User, group: CoordinatorGroup, *, user_id: int, city_id: int | None) -> GroupMember:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.COORDINATOR:
        message = _l("Only coordinators can be members of a group.")
        raise ValidationFailed(message, {"user": message})
    if city_id is not None:
        _get(SisterCity, city_id)
    same_city = GroupMember.city_id == city_id if city_id is not None else GroupMember.city_id.is_(None)
    if db.session.execute(select(GroupMember.id).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user.id, same_city)).first():
        message = _l("%(name)s is in this group already.", name=user.display_name)
        raise ValidationFailed(message, {"user": message})
    member = GroupMember(group_id=group.id, user_id=user.id, city_id=city_id)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "add_member", group, user=user.login, city_id=city_id)
    return member


def remove_member(actor: User, member: GroupMember) -> None:
    audit.record(actor, "remove_member", member.group, user=member.user.login, city_id=member.city_id)
    db.session.delete(member)
    db.session.flush()


@dataclass
class TopicWarning:
    topic: Topic
    reason: str  # no-rule | no-any-city-rule | no-coordinator | all-absent


def routing_warnings(day: date | None = None) -> list[TopicWarning]:
    """Active topics whose enquiries would wait in the unrouted list (all, or some of them)."""
    from ..enquiries.routing import absent_user_ids

    day = day or today()
    away = absent_user_ids(day)
    warnings = []
    topics = db.session.execute(select(Topic).where(Topic.active.is_(True)).order_by(Topic.position, Topic.id))
    for topic in topics.scalars():
        rules = db.session.execute(select(RoutingRule).where(RoutingRule.topic_id == topic.id)).scalars().all()
        if not rules:
            warnings.append(TopicWarning(topic, "no-rule"))
            continue
        coordinators = set(db.session.execute(
            select(User.id).join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id.in_([r.group_id for r in rules]), User.active.is_(True),
                   User.role == Role.COORDINATOR)
        ).scalars())
        if not coordinators:
            warnings.append(TopicWarning(topic, "no-coordinator"))
        elif not coordinators - away:
            warnings.append(TopicWarning(topic, "all-absent"))
        elif all(r.city_id is not None for r in rules):
            warnings.append(TopicWarning(topic, "no-any-city-rule"))
    return warnings


# ---- SLA -----------------------------------------------------------------------------------------

def _check_targets(first: float | None, answer: float | None) -> None:
    for name, value in (("first_response_hours", first), ("answer_hours", answer)):
        if value is None or not 0 < value <= MAX_TARGET_HOURS:
            message = _l("Business hours: a number greater than 0 and at most %(max)s.", max=int(MAX_TARGET_HOURS))
            raise ValidationFailed(message, {name: message})
    if answer < first:
        message = _l("The answer target cannot be shorter than the first-response target.")
        raise ValidationFailed(message, {"answer_hours": message})


def save_sla(actor: User, policy: SlaPolicy | None, *, topic_id: int | None, first_response_hours: float,
             answer_hours: float) -> SlaPolicy:
    _check_targets(first_response_hours, answer_hours)
    created = policy is None
    if created:
        if topic_id is None:
            message = _l("Pick the topic of this target.")
            raise ValidationFailed(message, {"topic": message})
        _get(Topic, topic_id)
        if db.session.execute(select(SlaPolicy.id).where(SlaPolicy.topic_id == topic_id)).first():
            message = _l("This topic has its own targets already; edit them.")
            raise ValidationFailed(message, {"topic": message})
        policy = SlaPolicy(topic_id=topic_id)
        db.session.add(policy)
    policy.first_response_hours = float(first_response_hours)
    policy.answer_hours = float(answer_hours)
    db.session.flush()
    audit.record(actor, "create" if created else "update", policy, topic_id=policy.topic_id,
                 first_response_hours=policy.first_response_hours, answer_hours=policy.answer_hours)
    invalidate_reference_cache()
    return policy


def delete_sla(actor: User, policy: SlaPolicy) -> None:
    if policy.topic_id is None:
        raise Conflict(_l("The default targets cannot be deleted."))
    audit.record(actor, "delete", policy, topic_id=policy.topic_id)
    db.session.delete(policy)
    db.session.flush()
    invalidate_reference_cache()


# ---- calendar ------------------------------------------------------------------------------------

def add_calendar_day(actor: User, *, day: date, working: bool, note: str = "") -> CalendarDay:
    note = _text(note)
    if len(note) > 200:
        message = _l("At most %(n)s characters.", n=200)
        raise ValidationFailed(message, {"note": message})
    if db.session.get(CalendarDay, day) is not None:
        message = _l("This date is in the calendar already; delete it first to change it.")
        raise ValidationFailed(message, {"day": message})
    row = CalendarDay(day=day, working=working, note=note)
    db.session.add(row)
    db.session.flush()
    audit.record_row(actor, "create", CalendarDay.__tablename__, None, day=day.isoformat(), working=working,
                     note=note)
    invalidate_reference_cache()
    return row


def delete_calendar_day(actor: User, row: CalendarDay) -> None:
    audit.record_row(actor, "delete", CalendarDay.__tablename__, None, day=row.day.isoformat(), working=row.working)
    db.session.delete(row)
    db.session.flush()
    invalidate_reference_cache()


def upcoming_public_holidays(start: date, days: int = 60, locale: str = "ru") -> list[tuple[date, str]]:
    """Russian public holidays in [start, start + days), named by the `holidays` package."""
    import holidays

    from ..sla.calendar import _russian_holidays

    end = start + timedelta(days=days)
    found = []
    for year in sorted({start.year, end.year}):
        names = holidays.country_holidays("RU", years=year, language="en_US" if locale == "en" else "ru")
        for day in sorted(_russian_holidays(year)):
            if start <= day < end:
                found.append((day, names.get(day, "")))
    return found


# ---- topics and sister cities --------------------------------------------------------------------

def _check_code(model, code: str) -> str:
    code = _text(code)
    if not (CODE_RE.fullmatch(code) and len(code) <= 32):
        message = _l("A code is up to 32 lowercase latin letters, digits and hyphens, e.g. youth-camp.")
        raise ValidationFailed(message, {"code": message})
    if db.session.execute(select(model.id).where(model.code == code)).first():
        message = _l("The code %(code)s is taken.", code=code)
        raise ValidationFailed(message, {"code": message})
    return code


def _check_names(values: dict[str, str], limit: int) -> dict[str, str]:
    cleaned = {}
    for name, value in values.items():
        value = _text(value)
        if not value or len(value) > limit:
            message = _l("Required, at most %(n)s characters.", n=limit)
            raise ValidationFailed(message, {name: message})
        cleaned[name] = value
    return cleaned


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
    changes = _apply(topic, {**names, "position": position, "active": active})
    if changes:
        audit.record(actor, "update", topic, **changes)
    db.session.flush()
    invalidate_reference_cache()


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


def _apply(obj, values: dict) -> dict:
    changes = {}
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            changes[attr] = [getattr(obj, attr), value]
            setattr(obj, attr, value)
    return changes


def _check_year(year: int | None) -> None:
    if year is not None and not 1900 <= year <= today().year:
        message = _l("A year from 1900 to this year.")
        raise ValidationFailed(message, {"agreement_year": message})


def add_city(actor: User, *, code: str, name_ru: str, name_en: str, country_ru: str, country_en: str,
             agreement_year: int | None, active: bool = True) -> SisterCity:
    code = _check_code(SisterCity, code)
    names = _check_names({"name_ru": name_ru, "name_en": name_en, "country_ru": country_ru,
                          "country_en": country_en}, 120)
    _check_year(agreement_year)
    city = SisterCity(code=code, agreement_year=agreement_year, active=active, **names)
    db.session.add(city)
    db.session.flush()
    audit.record(actor, "create", city, code=code)
    invalidate_reference_cache()
    return city


def update_city(actor: User, city: SisterCity, *, name_ru: str, name_en: str, country_ru: str, country_en: str,
                agreement_year: int | None, active: bool) -> None:
    names = _check_names({"name_ru": name_ru, "name_en": name_en, "country_ru": country_ru,
                          "country_en": country_en}, 120)
    _check_year(agreement_year)
    changes = _apply(city, {**names, "agreement_year": agreement_year, "active": active})
    if changes:
        audit.record(actor, "update", city, **changes)
    db.session.flush()
    invalidate_reference_cache()


def delete_city(actor: User, city: SisterCity) -> None:
    for model in (Call, Enquiry, FaqEntry, RoutingRule, GroupMember):
        if db.session.execute(select(model.id).where(model.city_id == city.id).limit(1)).first():
            raise Conflict(_l("Calls, enquiries, FAQ entries, rules or coordinators refer to this sister city, "
                              "so it cannot be deleted; switch it off instead."))
    audit.record(actor, "delete", city, code=city.code)
    db.session.delete(city)
    db.session.flush()
    invalidate_reference_cache()


# ---- the overview --------------------------------------------------------------------------------

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


def coordinators() -> list[User]:
    return list(db.session.execute(
        select(User).where(User.role == Role.COORDINATOR).order_by(User.active.desc(), User.name, User.login)
    ).scalars())


def absent_now(day: date | None = None) -> dict[int, Absence]:
    """User id → the absence that covers `day` (today)."""
    day = day or today()
    rows = db.session.execute(
        select(Absence).where(Absence.starts_on <= day, Absence.ends_on >= day)).scalars()
    return {a.user_id: a for a in rows}

