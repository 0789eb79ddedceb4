"""Routing rules (topic and sister city → coordinator group), the groups and their members, and
the topics whose enquiries no rule or no coordinator present would take."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ... import audit
from ...enquiries.routing import absent_user_ids
from ...errors import Conflict
from ...extensions import db
from ...models import CoordinatorGroup, Enquiry, GroupMember, Role, RoutingRule, SisterCity, Topic, User
from .base import existing, invalid, text, today

PRIORITY_RANGE = (-1000, 1000)


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


def coordinator_groups() -> list[CoordinatorGroup]:
    return list(db.session.execute(select(CoordinatorGroup).order_by(CoordinatorGroup.name)).scalars())


def routing_rules(group: CoordinatorGroup | None = None) -> list[RoutingRule]:
    """Every rule in the order routing tries them (by topic, then priority, a city's rule before the
    any-city one); or one group's rules, highest priority first."""
    if group is not None:
        return list(db.session.execute(select(RoutingRule).where(RoutingRule.group_id == group.id)
                                       .order_by(RoutingRule.priority.desc())).scalars())
    return list(db.session.execute(
        select(RoutingRule).join(Topic, Topic.id == RoutingRule.topic_id)
        .order_by(Topic.position, Topic.id, RoutingRule.priority.desc(), RoutingRule.city_id.is_(None), RoutingRule.id)
    ).scalars())


def _check_priority(priority: int) -> None:
    low, high = PRIORITY_RANGE
    if not low <= priority <= high:
        raise invalid("priority", _l("A priority is a whole number from %(low)s to %(high)s.", low=low, high=high))


def save_rule(actor: User, rule: RoutingRule | None, *, topic_id: int, city_id: int | None, group_id: int,
              priority: int) -> RoutingRule:
    existing(Topic, topic_id)
    existing(CoordinatorGroup, group_id)
    if city_id is not None:
        existing(SisterCity, city_id)
    _check_priority(priority)
    same = select(RoutingRule.id).where(
        RoutingRule.topic_id == topic_id, RoutingRule.group_id == group_id,
        RoutingRule.city_id == city_id if city_id is not None else RoutingRule.city_id.is_(None))
    if rule is not None:
        same = same.where(RoutingRule.id != rule.id)
    if db.session.execute(same).first():
        raise invalid("group", _l("This rule exists already."))
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
    name = text(name)
    if not name or len(name) > 200:
        raise invalid("name", _l("A name is 1 to 200 characters."))
    if topic_id is not None:
        existing(Topic, topic_id)
    # Compared in Python: SQLite's lower() leaves Cyrillic alone.
    names = db.session.execute(select(CoordinatorGroup.id, CoordinatorGroup.name)).all()
    if any(n.casefold() == name.casefold() and (group is None or i != group.id) for i, n in names):
        raise invalid("name", _l("A group with this name exists already."))
    created = group is None
    if created:
        group = CoordinatorGroup(name=name, topic_id=topic_id)
        db.session.add(group)
    else:
        if group.topic_id != topic_id and group.topic_id is not None and topic_group(group.topic).id == group.id:
            raise invalid("topic", _l("This is the topic's own group; its topic cannot change."))
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
        raise invalid("user", _l("Only coordinators can be members of a group."))
    if city_id is not None:
        existing(SisterCity, city_id)
    same_city = GroupMember.city_id == city_id if city_id is not None else GroupMember.city_id.is_(None)
    if db.session.execute(select(GroupMember.id).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user.id, same_city)).first():
        raise invalid("user", _l("%(name)s is in this group already.", name=user.display_name))
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
