"""«Задать вопрос» and «Узнать статус»: plain pages for residents, no sign-in, rate-limited."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..extensions import db
from ..limits import limiter, per
from ..reference import city_choices, topic_choices
from . import bp
from .service import PUBLIC_STATUS, find_for_resident, published_answer, submission_payload, submit_enquiry

@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit(per("PUBLIC_SUBMITS_PER_HOUR", "hour"), methods=["POST"])
def ask():
    form, errors = request.form, {}
    if request.method == "POST":
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
@limiter.limit(per("PUBLIC_LOOKUPS_PER_HOUR", "hour"), methods=["POST"])
def status():
    form, enquiry, not_found = request.form, None, False
    if request.method == "POST":
        enquiry = find_for_resident(form.get("reference", ""), form.get("contact", ""))
        db.session.commit()
        not_found = enquiry is None
    return render_template("public/status.html", form=form, enquiry=enquiry, not_found=not_found,
                           status_text=PUBLIC_STATUS.get(enquiry.status) if enquiry else None,
                           answer=published_answer(enquiry) if enquiry else None), 404 if not_found else 200
