from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..models import User
from ..limits import client_address, limiter, per
from .forms import LoginForm
from .service import LoginFailed, authenticate

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session cookie, while its session version is the user's current one (a
    sign-out or a new password raises it, ending every session issued before)."""
    user_id, _sep, version = session_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(per("LOGIN_REQUESTS_PER_MINUTE", "minute"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error, retry_after = None, 0
    if form.validate_on_submit():
        try:
            user = authenticate(form.login.data, form.password.data, client_address())
        except LoginFailed as exc:
            db.session.commit()  # keep the failure count
            error = str(exc.message)
            retry_after = exc.retry_after
        else:
            db.session.commit()
            login_user(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("main.home")
            return redirect(target)
    if retry_after:
        return render_template("auth/login.html", form=form, error=error), 429, {"Retry-After": str(retry_after)}
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.end_sessions()  # this cookie, and any copy of it, stops working
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
