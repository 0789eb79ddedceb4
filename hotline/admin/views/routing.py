"""Routing rules, coordinator groups and their members (supervisors and admins)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...auth.decorators import role_required
from ...errors import Conflict, NotFound, ValidationFailed
from ...labels import group_name
from ...models import CoordinatorGroup, GroupMember, RoutingRule
from .. import bp, service
from ..forms import ConfirmForm, GroupForm, MemberForm, RuleForm
from .base import (
    city_choices, coordinator_choices, done, form_status, get_or_404, put_on_form, refused, require_confirmation,
    topic_choices,
)

WARNING_TEXTS = {
    "no-rule": _l("no routing rule"),
    "no-coordinator": _l("no active coordinator in its groups"),
    "all-absent": _l("every coordinator of its groups is absent today"),
    "no-any-city-rule": _l("rules only for some sister cities: enquiries about others have no rule"),
}


def _rule_form(rule: RoutingRule | None = None) -> RuleForm:
    form = RuleForm(obj=rule) if rule is not None and request.method == "GET" else RuleForm()
    form.topic.choices = topic_choices(_("— choose —"))
    form.city.choices = city_choices(_("any sister city"))
    form.group.choices = [("", _("— choose —"))] + [
        (g.id, group_name(g)) for g in service.coordinator_groups()]
    if rule is not None and request.method == "GET":
        form.topic.data, form.city.data, form.group.data = rule.topic_id, rule.city_id, rule.group_id
    return form


def _group_form(group: CoordinatorGroup | None = None) -> GroupForm:
    form = GroupForm(obj=group) if group is not None and request.method == "GET" else GroupForm(
        prefix="group" if group is None else "")
    form.topic.choices = topic_choices(_("no topic"))
    if group is not None and request.method == "GET":
        form.topic.data = group.topic_id
    return form


def _member_form() -> MemberForm:
    form = MemberForm(prefix="member")
    form.user.choices = coordinator_choices()
    form.city.choices = city_choices(_("any sister city"))
    return form


def _routing_page(rule_form=None, group_form=None, status: int = 200):
    rules = service.routing_rules()
    groups = service.coordinator_groups()
    rule_counts: dict[int, int] = {}
    for rule in rules:
        rule_counts[rule.group_id] = rule_counts.get(rule.group_id, 0) + 1
    return render_template("admin/routing.html", rules=rules, groups=groups, rule_counts=rule_counts,
                           warnings=service.routing_warnings(), warning_texts=WARNING_TEXTS,
                           absent=service.absent_now(), rule_form=rule_form or _rule_form(),
                           group_form=group_form or _group_form(), confirm=ConfirmForm()), status


def _group_page(group: CoordinatorGroup, form, member_form, status: int = 200):
    rules = service.routing_rules(group)
    return render_template("admin/group_edit.html", group=group, form=form, member_form=member_form, rules=rules,
                           absent=service.absent_now(), confirm=ConfirmForm()), status


@bp.get("/routing")
@role_required("supervisor")
def routing():
    return _routing_page()


@bp.post("/routing/rules")
@role_required("supervisor")
def add_rule():
    form = _rule_form()
    if form.validate_on_submit():
        try:
            service.save_rule(current_user, None, topic_id=form.topic.data, city_id=form.city.data,
                              group_id=form.group.data, priority=form.priority.data)
        except (ValidationFailed, NotFound) as exc:
            put_on_form(form, exc)
        else:
            return done(_("Routing rule added."), "admin.routing")
    return _routing_page(rule_form=form, status=422)


@bp.route("/routing/rules/<int:rule_id>", methods=["GET", "POST"])
@role_required("supervisor")
def edit_rule(rule_id: int):
    rule = get_or_404(RoutingRule, rule_id)
    form = _rule_form(rule)
    if form.validate_on_submit():
        try:
            service.save_rule(current_user, rule, topic_id=form.topic.data, city_id=form.city.data,
                              group_id=form.group.data, priority=form.priority.data)
        except (ValidationFailed, NotFound) as exc:
            put_on_form(form, exc)
        else:
            return done(_("Routing rule saved."), "admin.routing")
    return render_template("admin/rule_edit.html", form=form, rule=rule, confirm=ConfirmForm()), form_status()


@bp.post("/routing/rules/<int:rule_id>/delete")
@role_required("supervisor")
def delete_rule(rule_id: int):
    rule = get_or_404(RoutingRule, rule_id)
    require_confirmation()
    service.delete_rule(current_user, rule)
    return done(_("Routing rule deleted."), "admin.routing")


@bp.post("/routing/groups")
@role_required("supervisor")
def add_group():
    form = _group_form()
    if form.validate_on_submit():
        try:
            group = service.save_group(current_user, None, name=form.name.data, topic_id=form.topic.data)
        except (ValidationFailed, NotFound) as exc:
            put_on_form(form, exc)
        else:
            return done(_("Group created; now add its coordinators."), "admin.edit_group", group_id=group.id)
    return _routing_page(group_form=form, status=422)


@bp.route("/routing/groups/<int:group_id>", methods=["GET", "POST"])
@role_required("supervisor")
def edit_group(group_id: int):
    group = get_or_404(CoordinatorGroup, group_id)
    form = _group_form(group)
    if form.validate_on_submit():
        try:
            service.save_group(current_user, group, name=form.name.data, topic_id=form.topic.data)
        except (ValidationFailed, NotFound) as exc:
            put_on_form(form, exc)
        else:
            return done(_("Group saved."), "admin.edit_group", group_id=group.id)
    return _group_page(group, form, _member_form(), form_status())


@bp.post("/routing/groups/<int:group_id>/members")
@role_required("supervisor")
def add_member(group_id: int):
    group = get_or_404(CoordinatorGroup, group_id)
    form = _member_form()
    if form.validate_on_submit():
        try:
            service.add_member(current_user, group, user_id=form.user.data, city_id=form.city.data)
        except (ValidationFailed, NotFound) as exc:
            put_on_form(form, exc)
        else:
            return done(_("Coordinator added to the group."), "admin.edit_group", group_id=group.id)
    return _group_page(group, _group_form(group), form, 422)


@bp.post("/routing/groups/<int:group_id>/members/<int:member_id>/delete")
@role_required("supervisor")
def remove_member(group_id: int, member_id: int):
    member = get_or_404(GroupMember, member_id)
    if member.group_id != group_id:
        abort(404)
    require_confirmation()
    service.remove_member(current_user, member)
    return done(_("Coordinator removed from the group."), "admin.edit_group", group_id=group_id)


@bp.post("/routing/groups/<int:group_id>/delete")
@role_required("supervisor")
def delete_group(group_id: int):
    group = get_or_404(CoordinatorGroup, group_id)
    require_confirmation()
    try:
        service.delete_group(current_user, group)
    except Conflict as exc:
        return refused(exc, "admin.edit_group", group_id=group_id)
    return done(_("Group deleted."), "admin.routing")
