"""SLA targets and the calendar their business hours are counted in (admins only)."""
from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...auth.decorators import role_required
from ...errors import Conflict, NotFound, ValidationFailed
from ...i18n import current_locale
from ...models import CalendarDay, SlaPolicy
from .. import bp, service
from ..forms import CalendarDayForm, ConfirmForm, SlaForm
from .base import done, form_status, get_or_404, put_on_form, refused, require_confirmation, topic_choices


def _sla_form(policy: SlaPolicy | None = None) -> SlaForm:
    form = SlaForm(obj=policy) if policy is not None and request.method == "GET" else SlaForm()
    taken = service.topics_with_own_sla()
    form.topic.choices = [c for c in topic_choices(_("— choose —")) if c[0] == "" or c[0] not in taken]
    return form


def _sla_page(form, status: int = 200):
    policies = service.sla_policies()
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
            put_on_form(form, exc)
        else:
            return done(_("SLA targets saved."), "admin.sla")
    return _sla_page(form, form_status())


@bp.route("/sla/<int:policy_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_sla(policy_id: int):
    policy = get_or_404(SlaPolicy, policy_id)
    form = _sla_form(policy)
    if form.validate_on_submit():
        try:
            service.save_sla(current_user, policy, topic_id=policy.topic_id,
                             first_response_hours=form.first_response_hours.data, answer_hours=form.answer_hours.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("SLA targets saved."), "admin.sla")
    return render_template("admin/sla_edit.html", form=form, policy=policy, confirm=ConfirmForm()), form_status()


@bp.post("/sla/<int:policy_id>/delete")
@role_required("admin")
def delete_sla(policy_id: int):
    policy = get_or_404(SlaPolicy, policy_id)
    require_confirmation()
    try:
        service.delete_sla(current_user, policy)
    except Conflict as exc:
        return refused(exc, "admin.sla")
    return done(_("The topic now follows the default targets."), "admin.sla")


@bp.route("/calendar", methods=["GET", "POST"])
@role_required("admin")
def calendar():
    form = CalendarDayForm()
    if form.validate_on_submit():
        try:
            service.add_calendar_day(current_user, day=form.day.data, working=form.working.data == "working",
                                     note=form.note.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("Calendar saved."), "admin.calendar")
    today = service.today()
    rows = service.calendar_days_from(date(today.year, 1, 1))
    return render_template("admin/calendar.html", form=form, days=rows, today=today,
                           holidays=service.upcoming_public_holidays(today, 60, current_locale()),
                           confirm=ConfirmForm()), form_status()


@bp.post("/calendar/<day>/delete")
@role_required("admin")
def delete_calendar_day(day: str):
    try:
        row = get_or_404(CalendarDay, date.fromisoformat(day))
    except ValueError:
        abort(404)
    require_confirmation()
    service.delete_calendar_day(current_user, row)
    return done(_("The exception for %(day)s is removed: the day follows the usual calendar again.",
                  day=row.day.strftime("%d.%m.%Y")), "admin.calendar")
