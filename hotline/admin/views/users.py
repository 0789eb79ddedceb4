"""Users and their API keys (admins only)."""
from __future__ import annotations

import secrets
from datetime import timedelta

import redis
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import throttle
from ...auth.decorators import role_required
from ...errors import ValidationFailed
from ...extensions import db
from ...i18n import current_locale
from ...models import AccessToken as ApiToken, Role, User, utcnow
from ...queue import get_redis
from ...telephony.service import set_extension
from .. import bp, service
from ..forms import ConfirmForm, UserEditForm, UserForm
from .base import done, form_status, get_or_404, put_on_form, refused, require_confirmation

TOKEN_LIFETIMES = {"30d": timedelta(days=30), "90d": timedelta(days=90), "365d": timedelta(days=365), "": None}


TOKEN_WAITS = 60  # seconds


def stash_token(token: str) -> str | None:
    name = secrets.token_urlsafe(16)
    try:
        get_redis().set(f"hotline:shown-token:{name}", token, ex=TOKEN_WAITS)
    except (redis.RedisError, OSError):
        return None
    return name


def take_token(name: str) -> str | None:
    """The stashed token, once: the name is spent by reading it."""
    if not name or len(name) > 64:
        return None
    try:
        with get_redis().pipeline() as pipe:
            pipe.get(f"hotline:shown-token:{name}")
            pipe.delete(f"hotline:shown-token:{name}")
            value, _deleted = pipe.execute()
    except (redis.RedisError, OSError):
        return None
    return value.decode() if isinstance(value, bytes) else value


def _user_form(cls, obj: User | None = None, *, fresh: bool = False):
    """The user form; filled from `obj` on GET (or when `fresh`), else from the posted data."""
    load = obj is not None and (fresh or request.method == "GET")
    form = cls(formdata=None, obj=obj) if load else cls()
    locale = current_locale()
    form.topics.choices = [(t.code, t.name(locale)) for t in service.all_topics()]
    form.cities.choices = [(c.code, c.name(locale)) for c in service.all_cities()]
    if load:
        form.role.data = obj.role.value
        form.email.data = obj.email or ""
        form.extension.data = obj.extension or ""
        scope = service.coordinator_scope(obj)
        form.topics.data, form.cities.data = scope.topics, scope.cities
    return form


def _user_page(user: User, form, *, token: str | None = None, status: int = 200):
    tokens = service.api_tokens_of(user)
    absences = service.upcoming_absences(user)
    return render_template("admin/user_edit.html", form=form, user=user, tokens=tokens, new_token=token,
                           sign_in_delays=throttle.delays_for(user), now=utcnow(),
                           absences=absences, other_groups=service.coordinator_scope(user).other_groups,
                           confirm=ConfirmForm()), status


@bp.get("/users")
@role_required("admin")
def users():
    rows = service.all_users()
    primary = service.primary_group_ids()
    scopes = {u.id: service.coordinator_scope(u, primary) for u in rows if u.role is Role.COORDINATOR}
    return render_template("admin/users.html", users=rows, scopes=scopes, absent=service.absent_now(),
                           topics={t.code: t for t in primary.values()},
                           cities={c.code: c for c in service.all_cities()})


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def new_user():
    form = _user_form(UserForm)
    if form.validate_on_submit():
        try:
            user = service.add_user(current_user, login=form.login.data, role=form.role.data,
                                    password=form.password.data, name=form.name.data, email=form.email.data,
                                    topics=form.topics.data, cities=form.cities.data)
            set_extension(current_user, user, form.extension.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("User %(login)s created.", login=user.login), "admin.edit_user", user_id=user.id)
    return render_template("admin/user_edit.html", form=form, user=None), form_status()


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = _user_form(UserEditForm, user)
    if form.validate_on_submit():
        try:
            released = service.update_user(current_user, user, name=form.name.data, email=form.email.data,
                                           role=form.role.data, active=form.active.data,
                                           password=form.password.data or "", topics=form.topics.data,
                                           cities=form.cities.data)
            set_extension(current_user, user, form.extension.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("User %(login)s saved.", login=user.login), "success")
            if released:
                flash(_("%(n)s open enquiries were released and are being routed to other coordinators.",
                        n=len(released)), "info")
            return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    token = take_token(request.args.get("shown", "")) if request.method == "GET" else None
    return _user_page(user, form, token=token, status=form_status())


@bp.post("/users/<int:user_id>/tokens")
@role_required("admin")
def issue_token(user_id: int):
    user = get_or_404(User, user_id)
    require_confirmation()
    try:
        token = service.issue_api_token(current_user, user, expires_in=_lifetime(request.form.get("expires", "90d")))
    except ValidationFailed as exc:
        return refused(exc, "admin.edit_user", user_id=user.id)
    db.session.commit()
    # Shown once on the page the redirect leads to (a reload issues nothing new). The token waits
    # there in Redis under a one-time name for a minute, never in the session cookie; with Redis
    # away it is rendered here instead.
    shown = stash_token(token)
    if shown is None:
        return _user_page(user, _user_form(UserEditForm, user, fresh=True), token=token)
    return redirect(url_for("admin.edit_user", user_id=user.id, shown=shown), code=303)


def _lifetime(choice: str):
    if choice not in TOKEN_LIFETIMES:
        abort(400)
    return TOKEN_LIFETIMES[choice]


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@role_required("admin")
def revoke_token(user_id: int, token_id: int):
    token = get_or_404(ApiToken, token_id)
    if token.user_id != user_id:
        abort(404)
    require_confirmation()
    service.revoke_api_token(current_user, token)
    return done(_("API key %(prefix)s… revoked.", prefix=token.prefix), "admin.edit_user", user_id=user_id)


@bp.post("/users/<int:user_id>/sign-in-delay/clear")
@role_required("admin")
def clear_sign_in_delay(user_id: int):
    user = get_or_404(User, user_id)
    require_confirmation()
    throttle.clear(current_user, user)
    return done(_("The sign-in delay of %(login)s is lifted.", login=user.login), "admin.edit_user", user_id=user.id)
