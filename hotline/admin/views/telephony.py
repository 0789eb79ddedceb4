"""CTI integrations (admins): a token per phone system, the URL to paste into it, its last event
and how many of its posts were refused; revoke."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import tokens
from ...auth.decorators import role_required
from ...errors import ServiceError
from ...extensions import db
from ...models import AccessToken, TokenKind
from ...telephony.integrations import integrations, refused_counts
from .. import bp
from ..forms import ConfirmForm
from .base import done, get_or_404, require_confirmation


def _page(new_token: str | None = None, error: str | None = None, name: str = "", status: int = 200):
    rows = integrations()
    base = current_app.config["PUBLIC_URL"].rstrip("/") + "/cti/"
    return render_template("admin/cti.html", rows=rows, new_token=new_token, error=error, name=name,
                           endpoint_base=base, unknown_refused=refused_counts([])["unknown"],
                           confirm=ConfirmForm()), status


@bp.get("/cti")
@role_required("admin")
def cti_integrations():
    return _page()


@bp.post("/cti")
@role_required("admin")
def issue_cti_token():
    require_confirmation()
    name = request.form.get("name", "")
    try:
        _token, secret = tokens.issue(TokenKind.CTI, name=name, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        return _page(error=str(exc.message), name=name, status=exc.status)
    db.session.commit()
    return _page(new_token=secret)  # rendered, not redirected: the token is shown this once


@bp.post("/cti/<int:key_id>/revoke")
@role_required("admin")
def revoke_cti_token(key_id: int):
    key = get_or_404(AccessToken, key_id)
    if key.kind is not TokenKind.CTI:
        abort(404)
    require_confirmation()
    tokens.revoke(key, current_user)
    return done(_("The token of %(name)s is revoked.", name=key.name), "admin.cti_integrations")
