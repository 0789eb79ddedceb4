"""Coordinators' absences (supervisors and admins)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...auth.decorators import role_required
from ...errors import ValidationFailed
from ...models import Absence
from ...request_guard import parse_id
from .. import bp, service
from ..forms import AbsenceForm, ConfirmForm
from .base import coordinator_choices, done, form_status, get_or_404, put_on_form, require_confirmation


@bp.route("/absences", methods=["GET", "POST"])
@role_required("supervisor")
def absences():
    form = AbsenceForm()
    form.user.choices = coordinator_choices()
    if request.method == "GET" and parse_id(request.args.get("user")):
        form.user.data = parse_id(request.args["user"])
    if form.validate_on_submit():
        try:
            absence = service.add_absence(current_user, user_id=form.user.data, starts_on=form.starts_on.data,
                                          ends_on=form.ends_on.data, reason=form.reason.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("Absence of %(name)s saved.", name=absence.user.display_name), "admin.absences")
    rows = service.upcoming_absences()
    return render_template("admin/absences.html", form=form, absences=rows, today=service.today(),
                           confirm=ConfirmForm()), form_status()


@bp.post("/absences/<int:absence_id>/delete")
@role_required("supervisor")
def delete_absence(absence_id: int):
    absence = get_or_404(Absence, absence_id)
    require_confirmation()
    service.delete_absence(current_user, absence)
    return done(_("Absence deleted."), "admin.absences")
