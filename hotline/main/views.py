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
        if request.path.startswith("/api/"):
            from ..api.errors import json_error

            return json_error(code, str(text))  # the code from the status, the text as the message
        return render_template("error.html", code=code, title=title, text=text), code

    return handler


bp.app_errorhandler(403)(_error_page(403, _l("Access denied"), _l("Your role does not allow this page.")))
bp.app_errorhandler(404)(_error_page(404, _l("Not found"), _l("There is no such page.")))
bp.app_errorhandler(405)(_error_page(405, _l("Not allowed"), _l("This address does not accept that request.")))
bp.app_errorhandler(413)(_error_page(413, _l("Too large"), _l("The request is too large.")))
bp.app_errorhandler(500)(_error_page(500, _l("Something went wrong"), _l("The error is logged. Nothing was half-saved; try again.")))
