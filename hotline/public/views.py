"""«Задать вопрос» and «Узнать статус»: plain pages for residents, no sign-in, rate-limited."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from ..attachments.service import TooLarge
from ..attachments.uploads import read_upload, takes_upload
from ..errors import ValidationFailed
from ..extensions import db
from ..ratelimit import allow
from ..reference import city_choices, topic_choices
from . import bp
from .service import PUBLIC_STATUS, find_for_resident, published_answer, submission_payload, submit_enquiry

HOUR = 3600


def _too_many():
    return render_template("public/too_many.html"), 429


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.route("/ask", methods=["GET", "POST"])
@takes_upload
def ask():
    form, errors, status = request.form, {}, 200
    if request.method == "POST":
        if not allow("public-submit", current_app.config["PUBLIC_SUBMITS_PER_HOUR"], HOUR):
            return _too_many()
        try:
            call = submit_enquiry(submission_payload(form), consent=form.get("consent") == "yes",
                                  attachment=read_upload(request.files.get("attachment"), required=False))
        except (ValidationFailed, TooLarge) as exc:
            db.session.rollback()
            errors, status = {name: str(message) for name, message in exc.fields.items()}, exc.status
        else:
            db.session.commit()
            return render_template("public/sent.html", enquiry=call.enquiry)
    return render_template("public/ask.html", form=form, errors=errors, topics=topic_choices(_("— choose —")),
                           cities=city_choices(_("no particular city")),
                           file_lost=bool(errors) and bool(request.files.get("attachment"))), status


@bp.route("/status", methods=["GET", "POST"])
def status():
    form, enquiry, not_found = request.form, None, False
    if request.method == "POST":
        if not allow("public-lookup", current_app.config["PUBLIC_LOOKUPS_PER_HOUR"], HOUR):
            return _too_many()
        enquiry = find_for_resident(form.get("reference", ""), form.get("contact", ""))
        db.session.commit()
        not_found = enquiry is None
    return render_template("public/status.html", form=form, enquiry=enquiry, not_found=not_found,
                           status_text=PUBLIC_STATUS.get(enquiry.status) if enquiry else None,
                           answer=published_answer(enquiry) if enquiry else None), 404 if not_found else 200
