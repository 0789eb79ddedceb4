from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..api.errors import json_error
from ..auth.service import set_default_language
from ..errors import ValidationFailed
from ..extensions import db, login_manager
from ..limits import retry_after
from ..open311.render import Open311Error, error_document
from . import bp
from .nav import home_endpoint, nav_items

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"

@bp.route("/")
@login_required
def home():
    return redirect(url_for(home_endpoint(current_user)))


@bp.app_context_processor
def inject_nav():
    return {"nav_items": nav_items}


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """The RU/EN switch: this session only. The account's own default is set in the profile."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or url_for("main.home")
    if not target.startswith(request.host_url):
        target = url_for("main.home")
    return redirect(target)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The person's own settings: the language the desk opens in for them, on any browser."""
    error = None
    if request.method == "POST":  # CSRFProtect has checked the token
        try:
            set_default_language(current_user, request.form.get("language", ""))
        except ValidationFailed as exc:
            db.session.rollback()
            error = str(exc.message)
        else:
            db.session.commit()
            session.pop("lang", None)  # the new default applies at once
            flash(_("Your language is saved."), "success")
            return redirect(url_for("main.profile"), code=303)
    return render_template("auth/profile.html", error=error), 422 if error else 200


def _error_page(code: int, title, text):
    def handler(error):
        message = getattr(error, "message", None) or text  # a HostileInput says what was wrong
        # What Flask's own error carries (Allow on a 405) and, on a 429, when to come back.
        headers = {k: v for k, v in getattr(error, "get_headers", lambda: [])() if k.lower() != "content-type"}
        if code == 429:
            headers["Retry-After"] = retry_after(error)
        if request.path.startswith("/api/"):
            body, status = json_error(code, str(message))
            return body, status, headers
        if request.path.startswith("/open311/"):
            fmt = (request.view_args or {}).get("fmt") or request.path.rpartition(".")[2]
            response = error_document(fmt, Open311Error(code, message))
            response.headers.update(headers)
            return response
        if code == 429 and request.path.startswith("/public/"):
            return render_template("public/too_many.html"), code, headers
        return render_template("error.html", code=code, title=title, text=message), code, headers

    return handler


bp.app_errorhandler(400)(_error_page(400, _l("Bad request"), _l("The request could not be understood.")))
bp.app_errorhandler(403)(_error_page(403, _l("Access denied"), _l("Your role does not allow this page.")))
bp.app_errorhandler(404)(_error_page(404, _l("Not found"), _l("There is no such page.")))
bp.app_errorhandler(405)(_error_page(405, _l("Not allowed"), _l("This address does not accept that request.")))
bp.app_errorhandler(413)(_error_page(413, _l("Too large"), _l("The request is too large.")))
bp.app_errorhandler(429)(_error_page(429, _l("Too many requests"), _l("Too many requests; try again later.")))
bp.app_errorhandler(500)(_error_page(500, _l("Something went wrong"), _l("The error is logged. Nothing was half-saved; try again.")))
