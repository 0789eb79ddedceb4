"""Open311 partner keys (admins): issue one per partner site, see when it was last used, revoke."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ...auth import tokens
from ...auth.decorators import role_required
from ...errors import ServiceError
from ...extensions import db
from ...models import AccessToken, Call, TokenKind
from .. import bp
from ..forms import ConfirmForm
from .base import done, get_or_404, require_confirmation

LIFETIMES = {"365d": timedelta(days=365), "90d": timedelta(days=90), "": None}


def _page(new_key: str | None = None, error: str | None = None, name: str = "", status: int = 200):
    keys = tokens.tokens_of(TokenKind.OPEN311)
    calls = dict(db.session.execute(select(Call.partner_key_id, func.count(Call.id))
                                    .where(Call.partner_key_id.is_not(None)).group_by(Call.partner_key_id)).all())
    return render_template("admin/partner_keys.html", keys=keys, calls=calls, new_key=new_key, error=error,
                           name=name, confirm=ConfirmForm()), status


@bp.get("/open311-keys")
@role_required("admin")
def partner_keys():
    return _page()


@bp.post("/open311-keys")
@role_required("admin")
def issue_partner_key():
    require_confirmation()
    name = request.form.get("name", "")
    if request.form.get("expires", "") not in LIFETIMES:
        abort(400)
    try:
        _key, secret = tokens.issue(TokenKind.OPEN311, name=name, actor=current_user,
                                    expires_in=LIFETIMES[request.form.get("expires", "")])
    except ServiceError as exc:
        db.session.rollback()
        return _page(error=str(exc.message), name=name, status=exc.status)
    db.session.commit()
    # Rendered, not redirected: the key is shown this once.
    return _page(new_key=secret)


@bp.post("/open311-keys/<int:key_id>/revoke")
@role_required("admin")
def revoke_partner_key(key_id: int):
    key = get_or_404(AccessToken, key_id)
    if key.kind is not TokenKind.OPEN311:
        abort(404)
    require_confirmation()
    tokens.revoke(key, current_user)
    return done(_("The key of %(name)s is revoked.", name=key.name), "admin.partner_keys")
