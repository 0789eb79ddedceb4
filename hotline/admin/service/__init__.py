"""Verbs of administration, one module per section: users and API tokens, absences, routing rules
and groups, SLA targets and the calendar, topics and sister cities. They flush, never commit; every
change writes an audit entry. Bad input raises ValidationFailed, a refused deletion Conflict.
Import from here."""
from .absences import absent_now, add_absence, coordinators, delete_absence, upcoming_absences
from .base import today
from .overview import counts
from .reference import (
    add_city, add_topic, all_cities, all_topics, delete_city, delete_topic, update_city, update_topic,
)
from .routing import (
    TopicWarning, add_member, coordinator_groups, delete_group, delete_rule, primary_group_ids, remove_member,
    routing_rules, routing_warnings, save_group, save_rule, topic_group,
)
from .sla import (
    add_calendar_day, calendar_days_from, delete_calendar_day, delete_sla, save_sla, sla_policies, topics_with_own_sla,
    upcoming_public_holidays,
)
from .users import (
    Scope, add_user, all_users, api_tokens_of, coordinator_scope, issue_api_token, revoke_api_token, set_scope,
    update_user,
)

__all__ = [
    "Scope", "TopicWarning", "absent_now", "add_absence", "add_calendar_day", "add_city", "add_member",
    "add_topic", "add_user", "all_cities", "all_topics", "all_users", "api_tokens_of", "calendar_days_from",
    "coordinator_groups", "coordinator_scope", "coordinators", "counts", "delete_absence", "delete_calendar_day",
    "delete_city", "delete_group", "delete_rule", "delete_sla", "delete_topic", "issue_api_token",
    "primary_group_ids", "remove_member", "revoke_api_token", "routing_rules", "routing_warnings", "save_group",
    "save_rule", "save_sla", "set_scope", "sla_policies", "today", "topic_group", "topics_with_own_sla",
    "upcoming_absences", "upcoming_public_holidays", "update_city", "update_topic", "update_user",
]
