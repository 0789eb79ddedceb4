"""«Задать вопрос» and «Узнать статус»: plain pages for residents, no sign-in, rate-limited."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

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
def ask():
    form, errors = request.form, {}
    if request.method == "POST":
        if not allow("public-submit", current_app.config["PUBLIC_SUBMITS_PER_HOUR"], HOUR):
            return _too_many()
        try:
            call = submit_enquiry(submission_payload(form), consent=form.get("consent") == "yes")
        except ValidationFailed as exc:
            db.session.rollback()
            errors = {name: str(message) for name, message in exc.fields.items()}
        else:
            db.session.commit()
            return render_template("public/sent.html", enquiry=call.enquiry)
    return render_template("public/ask.html", form=form, errors=errors, topics=topic_choices(_("— choose —")),
                           cities=city_choices(_("no particular city"))), 422 if errors else 200


@bp.route("/status", methods=["GET", "POST"])
def status():
    form, enquiry, not_found = request.form, None, False
    if request.method == "POST":
        if not allow("public-lookup", current_app.config["PUBLIC_LOOKUPS_PER_HOUR"], HOUR):
            return _too_many()
        enquiry = find_for_resident(form.get("reference", ""), form.get("contact", ""))
        db.session.commit()
        not_found = enquiry is None
    return _status_page(form, enquiry, not_found), 404 if not_found else 200


def _status_page(form, enquiry, not_found=False, errors=None, sent=None):
    from ..delivery.service import latest_delivery
    from ..mail.thread import thread

    return render_template("public/status.html", form=form, enquiry=enquiry, not_found=not_found,
                           status_text=PUBLIC_STATUS.get(enquiry.status) if enquiry else None,
                           answer=published_answer(enquiry) if enquiry else None,
                           delivery=latest_delivery(enquiry.id) if enquiry else None,
                           thread=thread(enquiry.id) if enquiry else [], errors=errors or {}, sent=sent)


@bp.post("/status/message")
def add_message():
    """The resident writes again from the status page (identified again by reference and contact)."""
    from ..mail.thread import resident_message

    form = request.form
    if not allow("public-lookup", current_app.config["PUBLIC_LOOKUPS_PER_HOUR"], HOUR):
        return _too_many()
    enquiry = find_for_resident(form.get("reference", ""), form.get("contact", ""))
    if enquiry is None:
        db.session.commit()
        return _status_page(form, None, not_found=True), 404
    try:
        joined = resident_message(enquiry, form.get("body"), "web")
    except ValidationFailed as exc:
        db.session.rollback()
        enquiry = find_for_resident(form.get("reference", ""), form.get("contact", ""))
        db.session.commit()
        return _status_page(form, enquiry, errors={k: str(v) for k, v in exc.fields.items()}), 422
    db.session.commit()
    return _status_page({"reference": joined.enquiry.reference, "contact": form.get("contact", "")},
                        joined.enquiry, sent=joined.outcome)
