"""What every administration page shares: loading a row or 404, putting a service's refusal on the
form, the choices of the topic, sister city and coordinator pickers, and the end of a done POST."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from ...errors import ServiceError
from ...extensions import db
from ...i18n import current_locale
from .. import service
from ..forms import ConfirmForm


def get_or_404(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def require_confirmation() -> None:
    """A button that changes or deletes something posts the confirmation form (its CSRF token)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


def put_on_form(form, exc: ServiceError) -> None:
    """Put a service's refusal on the form: on its field when there is one, else above the form."""
    db.session.rollback()
    placed = False
    for name, message in exc.fields.items():
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + [str(message)]
            placed = True
    if not placed:
        form.form_errors.append(str(exc.message))


def form_status() -> int:
    return 422 if request.method == "POST" else 200


def done(message: str, endpoint: str, **values):
    """Commit what the service did, say so, and go on to `endpoint`."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def refused(exc: ServiceError, endpoint: str, **values):
    db.session.rollback()
    flash(str(exc.message), "error")
    return redirect(url_for(endpoint, **values), code=303)


def topic_choices(blank: str | None = None):
    locale = current_locale()
    topics = service.all_topics()
    choices = [(t.id, t.name(locale) + ("" if t.active else " " + _("(off)"))) for t in topics]
    return ([("", blank)] if blank is not None else []) + choices


def city_choices(blank: str):
    locale = current_locale()
    cities = service.all_cities()
    return [("", blank)] + [(c.id, c.name(locale) + ("" if c.active else " " + _("(off)"))) for c in cities]


def coordinator_choices():
    return [("", _("— choose —"))] + [
        (u.id, f"{u.display_name} ({u.login})") for u in service.coordinators() if u.active]
