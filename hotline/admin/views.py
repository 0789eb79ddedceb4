"""Pages of the admin capability: users and API tokens, absences, routing rules and groups, SLA
targets, the calendar, topics and sister cities. Admins open all of them; supervisors the
absences and routing (SPEC 1)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..auth.decorators import has_any_role, role_required
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Absence, ApiToken, CalendarDay, CoordinatorGroup, GroupMember, Role, RoutingRule, SisterCity, SlaPolicy, Topic,
    User,
)
from ..reference import _locale
from . import bp
from . import service
from .forms import (
    AbsenceForm, CalendarDayForm, CityEditForm, CityForm, ConfirmForm, GroupForm, MemberForm, RuleForm, SlaForm,
    TopicEditForm, TopicForm, UserEditForm, UserForm,
)

A, S = Role.ADMIN, Role.SUPERVISOR
# (endpoint, label, roles that may open it); the overview lists what the person may open.
SECTIONS = [
    ("admin.users", _l("Users and API keys"), {A}),
    ("admin.absences", _l("Absences"), {S}),
    ("admin.routing", _l("Routing rules and groups"), {S}),
    ("admin.sla", _l("SLA targets"), {A}),
    ("admin.calendar", _l("Calendar"), {A}),
    ("admin.reference", _l("Topics and sister cities"), {A}),
]
WARNING_TEXTS = {
    "no-rule": _l("no routing rule"),
    "no-coordinator": _l("no active coordinator in its groups"),
    "all-absent": _l("every coordinator of its groups is absent today"),
    "no-any-city-rule": _l("rules only for some sister cities: enquiries about others have no rule"),
}


@bp.context_processor
def _sections():
    if not current_user.is_authenticated:
        return {}
    return {"admin_sections": [(e, label) for e, label, roles in SECTIONS if has_any_role(current_user, roles)]}


def _get_or_404(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _failed(form, exc: ValidationFailed) -> None:
    """Put a service's refusal on the form: on its field when there is one, else above the form."""
    db.session.rollback()
    placed = False
    for name, message in exc.fields.items():
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + [str(message)]
            placed = True
    if not placed:
        form.form_errors.append(str(exc.message))


def _status() -> int:
    return 422 if request.method == "POST" else 200


def _topic_choices(blank: str | None = None):
    locale = _locale()
    topics = db.session.execute(select(Topic).order_by(Topic.position, Topic.id)).scalars()
    choices = [(t.id, t.name(locale) + ("" if t.active else " " + _("(off)"))) for t in topics]
    return ([("", blank)] if blank is not None else []) + choices


def _city_choices(blank: str):
    locale = _locale()
    cities = db.session.execute(select(SisterCity).order_by(SisterCity.agreement_year, SisterCity.id)).scalars()
    return [("", blank)] + [(c.id, c.name(locale) + ("" if c.active else " " + _("(off)"))) for c in cities]


def _coordinator_choices():
    return [("", _("— choose —"))] + [
        (u.id, f"{u.display_name} ({u.login})") for u in service.coordinators() if u.active]


def _delete_refused(exc: Conflict, endpoint: str, **values):
    db.session.rollback()
    flash(str(exc.message), "error")
    return redirect(url_for(endpoint, **values), code=303)


# ---- overview ------------------------------------------------------------------------------------

@bp.get("/")
@role_required("supervisor")
def index():
    return render_template("admin/index.html", counts=service.counts(), warnings=service.routing_warnings(),
                           absences=service.absent_now())


# ---- users ---------------------------------------------------------------------------------------

def _user_form(cls, obj: User | None = None, *, fresh: bool = False):
    """The user form; filled from `obj` on GET (or when `fresh`), else from the posted data."""
    load = obj is not None and (fresh or request.method == "GET")
    form = cls(formdata=None, obj=obj) if load else cls()
    locale = _locale()
    form.topics.choices = [(t.code, t.name(locale)) for t in
                           db.session.execute(select(Topic).order_by(Topic.position, Topic.id)).scalars()]
    form.cities.choices = [(c.code, c.name(locale)) for c in
                           db.session.execute(select(SisterCity).order_by(SisterCity.agreement_year)).scalars()]
    if load:
        form.role.data = obj.role.value
        form.email.data = obj.email or ""
        scope = service.coordinator_scope(obj)
        form.topics.data, form.cities.data = scope.topics, scope.cities
    return form


@bp.get("/users")
@role_required("admin")
def users():
    rows = db.session.execute(select(User).order_by(User.active.desc(), User.role, User.login)).scalars().all()
    primary = service.primary_group_ids()
    scopes = {u.id: service.coordinator_scope(u, primary) for u in rows if u.role is Role.COORDINATOR}
    return render_template("admin/users.html", users=rows, scopes=scopes, absent=service.absent_now(),
                           topics={t.code: t for t in primary.values()},
                           cities={c.code: c for c in db.session.execute(select(SisterCity)).scalars()})


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def new_user():
    form = _user_form(UserForm)
    if form.validate_on_submit():
        try:
            user = service.add_user(current_user, login=form.login.data, role=form.role.data,
                                    password=form.password.data, name=form.name.data, email=form.email.data,
                                    topics=form.topics.data, cities=form.cities.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("User %(login)s created.", login=user.login), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    return render_template("admin/user_edit.html", form=form, user=None), _status()


def _user_page(user: User, form, *, token: str | None = None, status: int = 200):
    tokens = db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())).scalars().all()
    absences = db.session.execute(
        select(Absence).where(Absence.user_id == user.id, Absence.ends_on >= service.today())
        .order_by(Absence.starts_on)).scalars().all()
    return render_template("admin/user_edit.html", form=form, user=user, tokens=tokens, new_token=token,
                           absences=absences, other_groups=service.coordinator_scope(user).other_groups,
                           confirm=ConfirmForm()), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = _get_or_404(User, user_id)
    form = _user_form(UserEditForm, user)
    if form.validate_on_submit():
        try:
            released = service.update_user(current_user, user, name=form.name.data, email=form.email.data,
                                           role=form.role.data, active=form.active.data,
                                           password=form.password.data or "", topics=form.topics.data,
                                           cities=form.cities.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("User %(login)s saved.", login=user.login), "success")
            if released:
                flash(_("%(n)s open enquiries were released and are being routed to other coordinators.",
                        n=len(released)), "info")
            return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    return _user_page(user, form, status=_status())


@bp.post("/users/<int:user_id>/tokens")
@role_required("admin")
def issue_token(user_id: int):
    user = _get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = service.issue_api_token(current_user, user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    db.session.commit()
    # Rendered, not redirected: the token is shown this once and never put in the session.
    return _user_page(user, _user_form(UserEditForm, user, fresh=True), token=token)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@role_required("admin")
def revoke_token(user_id: int, token_id: int):
    token = _get_or_404(ApiToken, token_id)
    if token.user_id != user_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.revoke_api_token(current_user, token)
    db.session.commit()
    flash(_("API key %(prefix)s… revoked.", prefix=token.prefix), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id), code=303)


# ---- absences ------------------------------------------------------------------------------------

@bp.route("/absences", methods=["GET", "POST"])
@role_required("supervisor")
def absences():
    form = AbsenceForm()
    form.user.choices = _coordinator_choices()
    if request.method == "GET" and request.args.get("user", "").isdigit():
        form.user.data = int(request.args["user"])
    if form.validate_on_submit():
        try:
            absence = service.add_absence(current_user, user_id=form.user.data, starts_on=form.starts_on.data,
                                          ends_on=form.ends_on.data, reason=form.reason.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            name = absence.user.display_name
            db.session.commit()
            flash(_("Absence of %(name)s saved.", name=name), "success")
            return redirect(url_for("admin.absences"), code=303)
    rows = db.session.execute(
        select(Absence).where(Absence.ends_on >= service.today()).order_by(Absence.starts_on, Absence.id)
    ).scalars().all()
    return render_template("admin/absences.html", form=form, absences=rows, today=service.today(),
                           confirm=ConfirmForm()), _status()


@bp.post("/absences/<int:absence_id>/delete")
@role_required("supervisor")
def delete_absence(absence_id: int):
    absence = _get_or_404(Absence, absence_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.delete_absence(current_user, absence)
    db.session.commit()
    flash(_("Absence deleted."), "success")
    return redirect(url_for("admin.absences"), code=303)


# ---- routing rules and groups --------------------------------------------------------------------

def _rule_form(rule: RoutingRule | None = None) -> RuleForm:
    form = RuleForm(obj=rule) if rule is not None and request.method == "GET" else RuleForm()
    form.topic.choices = _topic_choices(_("— choose —"))
    form.city.choices = _city_choices(_("any sister city"))
    form.group.choices = [("", _("— choose —"))] + [
        (g.id, g.name) for g in db.session.execute(select(CoordinatorGroup).order_by(CoordinatorGroup.name)).scalars()]
    if rule is not None and request.method == "GET":
        form.topic.data, form.city.data, form.group.data = rule.topic_id, rule.city_id, rule.group_id
    return form


def _group_form(group: CoordinatorGroup | None = None) -> GroupForm:
    form = GroupForm(obj=group) if group is not None and request.method == "GET" else GroupForm(
        prefix="group" if group is None else "")
    form.topic.choices = _topic_choices(_("no topic"))
    if group is not None and request.method == "GET":
        form.topic.data = group.topic_id
    return form


def _routing_page(rule_form=None, group_form=None, status: int = 200):
    rules = db.session.execute(
        select(RoutingRule).join(Topic, Topic.id == RoutingRule.topic_id)
        .order_by(Topic.position, Topic.id, RoutingRule.priority.desc(), RoutingRule.city_id.is_(None), RoutingRule.id)
    ).scalars().all()
    groups = db.session.execute(select(CoordinatorGroup).order_by(CoordinatorGroup.name)).scalars().all()
    rule_counts: dict[int, int] = {}
    for rule in rules:
        rule_counts[rule.group_id] = rule_counts.get(rule.group_id, 0) + 1
    return render_template("admin/routing.html", rules=rules, groups=groups, rule_counts=rule_counts,
                           warnings=service.routing_warnings(), warning_texts=WARNING_TEXTS,
                           absent=service.absent_now(), rule_form=rule_form or _rule_form(),
                           group_form=group_form or _group_form(), confirm=ConfirmForm()), status


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
            _failed(form, exc if isinstance(exc, ValidationFailed) else ValidationFailed(exc.message))
        else:
            db.session.commit()
            flash(_("Routing rule added."), "success")
            return redirect(url_for("admin.routing"), code=303)
    return _routing_page(rule_form=form, status=422)


@bp.route("/routing/rules/<int:rule_id>", methods=["GET", "POST"])
@role_required("supervisor")
def edit_rule(rule_id: int):
    rule = _get_or_404(RoutingRule, rule_id)
    form = _rule_form(rule)
    if form.validate_on_submit():
        try:
            service.save_rule(current_user, rule, topic_id=form.topic.data, city_id=form.city.data,
                              group_id=form.group.data, priority=form.priority.data)
        except (ValidationFailed, NotFound) as exc:
            _failed(form, exc if isinstance(exc, ValidationFailed) else ValidationFailed(exc.message))
        else:
            db.session.commit()
            flash(_("Routing rule saved."), "success")
            return redirect(url_for("admin.routing"), code=303)
    return render_template("admin/rule_edit.html", form=form, rule=rule, confirm=ConfirmForm()), _status()


@bp.post("/routing/rules/<int:rule_id>/delete")
@role_required("supervisor")
def delete_rule(rule_id: int):
    rule = _get_or_404(RoutingRule, rule_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.delete_rule(current_user, rule)
    db.session.commit()
    flash(_("Routing rule deleted."), "success")
    return redirect(url_for("admin.routing"), code=303)


@bp.post("/routing/groups")
@role_required("supervisor")
def add_group():
    form = _group_form()
    if form.validate_on_submit():
        try:
            group = service.save_group(current_user, None, name=form.name.data, topic_id=form.topic.data)
        except (ValidationFailed, NotFound) as exc:
            _failed(form, exc if isinstance(exc, ValidationFailed) else ValidationFailed(exc.message))
        else:
            db.session.commit()
            flash(_("Group created; now add its coordinators."), "success")
            return redirect(url_for("admin.edit_group", group_id=group.id), code=303)
    return _routing_page(group_form=form, status=422)


def _member_form() -> MemberForm:
    form = MemberForm(prefix="member")
    form.user.choices = _coordinator_choices()
    form.city.choices = _city_choices(_("any sister city"))
    return form


def _group_page(group: CoordinatorGroup, form, member_form, status: int = 200):
    rules = db.session.execute(select(RoutingRule).where(RoutingRule.group_id == group.id)
                               .order_by(RoutingRule.priority.desc())).scalars().all()
    return render_template("admin/group_edit.html", group=group, form=form, member_form=member_form, rules=rules,
                           absent=service.absent_now(), confirm=ConfirmForm()), status


@bp.route("/routing/groups/<int:group_id>", methods=["GET", "POST"])
@role_required("supervisor")
def edit_group(group_id: int):
    group = _get_or_404(CoordinatorGroup, group_id)
    form = _group_form(group)
    if form.validate_on_submit():
        try:
            service.save_group(current_user, group, name=form.name.data, topic_id=form.topic.data)
        except (ValidationFailed, NotFound) as exc:
            _failed(form, exc if isinstance(exc, ValidationFailed) else ValidationFailed(exc.message))
        else:
            db.session.commit()
            flash(_("Group saved."), "success")
            return redirect(url_for("admin.edit_group", group_id=group.id), code=303)
    return _group_page(group, form, _member_form(), _status())


@bp.post("/routing/groups/<int:group_id>/members")
@role_required("supervisor")
def add_member(group_id: int):
    group = _get_or_404(CoordinatorGroup, group_id)
    form = _member_form()
    if form.validate_on_submit():
        try:
            service.add_member(current_user, group, user_id=form.user.data, city_id=form.city.data)
        except (ValidationFailed, NotFound) as exc:
            _failed(form, exc if isinstance(exc, ValidationFailed) else ValidationFailed(exc.message))
        else:
            db.session.commit()
            flash(_("Coordinator added to the group."), "success")
            return redirect(url_for("admin.edit_group", group_id=group.id), code=303)
    return _group_page(group, _group_form(group), form, 422)


@bp.post("/routing/groups/<int:group_id>/members/<int:member_id>/delete")
@role_required("supervisor")
def remove_member(group_id: int, member_id: int):
    member = _get_or_404(GroupMember, member_id)
    if member.group_id != group_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.remove_member(current_user, member)
    db.session.commit()
    flash(_("Coordinator removed from the group."), "success")
    return redirect(url_for("admin.edit_group", group_id=group_id), code=303)


@bp.post("/routing/groups/<int:group_id>/delete")
@role_required("supervisor")
def delete_group(group_id: int):
    group = _get_or_404(CoordinatorGroup, group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.delete_group(current_user, group)
    except Conflict as exc:
        return _delete_refused(exc, "admin.edit_group", group_id=group_id)
    db.session.commit()
    flash(_("Group deleted."), "success")
    return redirect(url_for("admin.routing"), code=303)


# ---- SLA targets ---------------------------------------------------------------------------------

def _sla_form(policy: SlaPolicy | None = None) -> SlaForm:
    form = SlaForm(obj=policy) if policy is not None and request.method == "GET" else SlaForm()
    taken = set(db.session.execute(select(SlaPolicy.topic_id).where(SlaPolicy.topic_id.is_not(None))).scalars())
    form.topic.choices = [c for c in _topic_choices(_("— choose —")) if c[0] == "" or c[0] not in taken]
    return form


def _sla_page(form, status: int = 200):
    policies = db.session.execute(
        select(SlaPolicy).outerjoin(Topic, Topic.id == SlaPolicy.topic_id)
        .order_by(SlaPolicy.topic_id.is_not(None), Topic.position, Topic.id)).scalars().all()
    return render_template("admin/sla.html", form=form, policies=policies, confirm=ConfirmForm()), status


@bp.route("/sla", methods=["GET", "POST"])
@role_required("admin")
def sla():
    form = _sla_form()
    if form.validate_on_submit():
        try:
            service.save_sla(current_user, None, topic_id=form.topic.data,
                             first_response_hours=form.first_response_hours.data, answer_hours=form.answer_hours.data)
        except (ValidationFailed, NotFound) as exc:
            _failed(form, exc if isinstance(exc, ValidationFailed) else ValidationFailed(exc.message))
        else:
            db.session.commit()
            flash(_("SLA targets saved."), "success")
            return redirect(url_for("admin.sla"), code=303)
    return _sla_page(form, _status())


@bp.route("/sla/<int:policy_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_sla(policy_id: int):
    policy = _get_or_404(SlaPolicy, policy_id)
    form = _sla_form(policy)
    if form.validate_on_submit():
        try:
            service.save_sla(current_user, policy, topic_id=policy.topic_id,
                             first_response_hours=form.first_response_hours.data, answer_hours=form.answer_hours.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("SLA targets saved."), "success")
            return redirect(url_for("admin.sla"), code=303)
    return render_template("admin/sla_edit.html", form=form, policy=policy, confirm=ConfirmForm()), _status()


@bp.post("/sla/<int:policy_id>/delete")
@role_required("admin")
def delete_sla(policy_id: int):
    policy = _get_or_404(SlaPolicy, policy_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.delete_sla(current_user, policy)
    except Conflict as exc:
        return _delete_refused(exc, "admin.sla")
    db.session.commit()
    flash(_("The topic now follows the default targets."), "success")
    return redirect(url_for("admin.sla"), code=303)


# ---- calendar ------------------------------------------------------------------------------------

@bp.route("/calendar", methods=["GET", "POST"])
@role_required("admin")
def calendar():
    form = CalendarDayForm()
    if form.validate_on_submit():
        try:
            service.add_calendar_day(current_user, day=form.day.data, working=form.working.data == "working",
                                     note=form.note.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("Calendar saved."), "success")
            return redirect(url_for("admin.calendar"), code=303)
    today = service.today()
    rows = db.session.execute(
        select(CalendarDay).where(CalendarDay.day >= date(today.year, 1, 1)).order_by(CalendarDay.day)
    ).scalars().all()
    return render_template("admin/calendar.html", form=form, days=rows, today=today,
                           holidays=service.upcoming_public_holidays(today, 60, _locale()),
                           confirm=ConfirmForm()), _status()


@bp.post("/calendar/<day>/delete")
@role_required("admin")
def delete_calendar_day(day: str):
    try:
        row = _get_or_404(CalendarDay, date.fromisoformat(day))
    except ValueError:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.delete_calendar_day(current_user, row)
    db.session.commit()
    flash(_("Calendar saved."), "success")
    return redirect(url_for("admin.calendar"), code=303)


# ---- topics and sister cities --------------------------------------------------------------------

@bp.get("/reference")
@role_required("admin")
def reference():
    topics = db.session.execute(select(Topic).order_by(Topic.position, Topic.id)).scalars().all()
    cities = db.session.execute(select(SisterCity).order_by(SisterCity.agreement_year, SisterCity.id)).scalars().all()
    return render_template("admin/reference.html", topics=topics, cities=cities)


@bp.route("/topics/new", methods=["GET", "POST"])
@role_required("admin")
def new_topic():
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topic = service.add_topic(current_user, code=form.code.data, name_ru=form.name_ru.data,
                                      name_en=form.name_en.data, position=form.position.data,
                                      active=form.active.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("Topic %(code)s created with its coordinator group and routing rule; add coordinators "
                    "to the group.", code=topic.code), "success")
            return redirect(url_for("admin.reference"), code=303)
    return render_template("admin/topic_edit.html", form=form, topic=None), _status()


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_topic(topic_id: int):
    topic = _get_or_404(Topic, topic_id)
    form = TopicEditForm(obj=topic) if request.method == "GET" else TopicEditForm()
    if form.validate_on_submit():
        try:
            service.update_topic(current_user, topic, name_ru=form.name_ru.data, name_en=form.name_en.data,
                                 position=form.position.data, active=form.active.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("Topic %(code)s saved.", code=topic.code), "success")
            return redirect(url_for("admin.reference"), code=303)
    return render_template("admin/topic_edit.html", form=form, topic=topic, confirm=ConfirmForm()), _status()


@bp.post("/topics/<int:topic_id>/delete")
@role_required("admin")
def delete_topic(topic_id: int):
    topic = _get_or_404(Topic, topic_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    code = topic.code
    try:
        service.delete_topic(current_user, topic)
    except Conflict as exc:
        return _delete_refused(exc, "admin.edit_topic", topic_id=topic_id)
    db.session.commit()
    flash(_("Topic %(code)s deleted.", code=code), "success")
    return redirect(url_for("admin.reference"), code=303)


@bp.route("/cities/new", methods=["GET", "POST"])
@role_required("admin")
def new_city():
    form = CityForm()
    if form.validate_on_submit():
        try:
            city = service.add_city(current_user, code=form.code.data, name_ru=form.name_ru.data,
                                    name_en=form.name_en.data, country_ru=form.country_ru.data,
                                    country_en=form.country_en.data, agreement_year=form.agreement_year.data,
                                    active=form.active.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("Sister city %(code)s created.", code=city.code), "success")
            return redirect(url_for("admin.reference"), code=303)
    return render_template("admin/city_edit.html", form=form, city=None), _status()


@bp.route("/cities/<int:city_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_city(city_id: int):
    city = _get_or_404(SisterCity, city_id)
    form = CityEditForm(obj=city) if request.method == "GET" else CityEditForm()
    if form.validate_on_submit():
        try:
            service.update_city(current_user, city, name_ru=form.name_ru.data, name_en=form.name_en.data,
                                country_ru=form.country_ru.data, country_en=form.country_en.data,
                                agreement_year=form.agreement_year.data, active=form.active.data)
        except ValidationFailed as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("Sister city %(code)s saved.", code=city.code), "success")
            return redirect(url_for("admin.reference"), code=303)
    return render_template("admin/city_edit.html", form=form, city=city, confirm=ConfirmForm()), _status()


@bp.post("/cities/<int:city_id>/delete")
@role_required("admin")
def delete_city(city_id: int):
    city = _get_or_404(SisterCity, city_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    code = city.code
    try:
        service.delete_city(current_user, city)
    except Conflict as exc:
        return _delete_refused(exc, "admin.edit_city", city_id=city_id)
    db.session.commit()
    flash(_("Sister city %(code)s deleted.", code=code), "success")
    return redirect(url_for("admin.reference"), code=303)
