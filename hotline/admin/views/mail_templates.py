"""The wording of the letters to residents (admins): each letter part in Russian and English,
edited with a preview on sample values, and put back to the default."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...auth.decorators import role_required
from ...errors import ServiceError
from ...mail import letter_templates
from .. import bp
from ..forms import ConfirmForm, MailTemplateForm
from .base import done, put_on_form, require_confirmation


def _key_or_404(letter: str, language: str, part: str) -> letter_templates.Letter:
    try:
        return letter_templates.letter_spec(letter, language, part)
    except LookupError:
        abort(404)


@bp.get("/mail-templates")
@role_required("admin")
def mail_templates():
    return render_template("admin/mail_templates.html", parts=letter_templates.overview(), admin_section="admin.mail_templates")


@bp.route("/mail-templates/<letter>/<language>/<part>", methods=["GET", "POST"])
@role_required("admin")
def edit_mail_template(letter: str, language: str, part: str):
    spec = _key_or_404(letter, language, part)
    edit = letter_templates.edit_of(letter, language, part)
    form = MailTemplateForm()
    preview, status = None, 200
    if request.method == "GET":
        form.source.data = letter_templates.source(letter, language, part)
    elif form.validate_on_submit():
        try:
            if request.form.get("action") == "preview":
                preview = letter_templates.check(letter, part, form.source.data)
            else:
                letter_templates.save(current_user, letter, language, part, form.source.data)
                return done(_("The letter is saved: the next ones are written with it."), "admin.mail_templates")
        except ServiceError as exc:
            put_on_form(form, exc)
            status = exc.status
    else:
        status = 422
    return render_template("admin/mail_template_edit.html", form=form, spec=spec, letter=letter, language=language,
                           part=part, edit=edit, preview=preview, variables=letter_templates.VARIABLES,
                           confirm=ConfirmForm(), admin_section="admin.mail_templates"), status


@bp.post("/mail-templates/<letter>/<language>/<part>/reset")
@role_required("admin")
def reset_mail_template(letter: str, language: str, part: str):
    _key_or_404(letter, language, part)
    require_confirmation()
    letter_templates.reset(current_user, letter, language, part)
    return done(_("The default wording is back."), "admin.mail_templates")
