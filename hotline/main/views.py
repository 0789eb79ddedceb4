from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db, login_manager
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
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.language = code
            db.session.commit()
    target = request.referrer or url_for("main.home")
    if not target.startswith(request.host_url):
        target = url_for("main.home")
    return redirect(target)


def _error_page(code: int, title, text):
    def handler(error):
        # What Flask's own error carries (Allow on a 405) and, on a 429, when to come back.
        headers = {k: v for k, v in getattr(error, "get_headers", lambda: [])() if k.lower() != "content-type"}
        if code == 429:
            from ..limits import retry_after

            headers["Retry-After"] = retry_after(error)
        if request.path.startswith("/api/"):
            from ..api.errors import json_error

            body, status = json_error(code, str(text))
            return body, status, headers
        if code == 429 and request.path.startswith("/public/"):
            return render_template("public/too_many.html"), code, headers
        return render_template("error.html", code=code, title=title, text=text), code, headers

    return handler


bp.app_errorhandler(403)(_error_page(403, _l("Access denied"), _l("Your role does not allow this page.")))
bp.app_errorhandler(404)(_error_page(404, _l("Not found"), _l("There is no such page.")))
bp.app_errorhandler(405)(_error_page(405, _l("Not allowed"), _l("This address does not accept that request.")))
bp.app_errorhandler(413)(_error_page(413, _l("Too large"), _l("The request is too large.")))
bp.app_errorhandler(429)(_error_page(429, _l("Too many requests"), _l("Too many requests; try again later.")))
bp.app_errorhandler(500)(_error_page(500, _l("Something went wrong"), _l("The error is logged. Nothing was half-saved; try again.")))
