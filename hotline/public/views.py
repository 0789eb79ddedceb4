"""«Задать вопрос» and «Узнать статус»: plain pages for residents, no sign-in, rate-limited."""
from __future__ import annotations

import secrets

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..attachments.service import TooLarge
from ..attachments.uploads import read_upload, takes_upload
from ..delivery.service import latest_delivery
from ..errors import ValidationFailed
from ..extensions import db
from ..limits import limiter, per
from ..mail.thread import resident_message, thread
from ..reference import city_choices, topic_choices
from . import bp
from .service import (
    PUBLIC_STATUS, claim_submission, find_for_resident, forget_submission, published_answer, remember_submission,
    sent_enquiry, submission_payload, submit_enquiry,
)

@bp.get("/")
def index():
    return render_template("public/index.html")


def _not_a_resend(response) -> bool:
    return not g.get("public_resend")


@bp.route("/ask", methods=["GET", "POST"])
@takes_upload
@limiter.limit(per("PUBLIC_SUBMITS_PER_HOUR", "hour"), methods=["POST"], deduct_when=_not_a_resend)
def ask():
    """The form; a question sent goes on to the confirmation by a redirect, so a reload never files it
    again, and the form's one-time key makes a second send of the same form (a double click, the
    back button) land on the first one's confirmation without counting against the hourly limit."""
    # A link from the public FAQ names the topic (?topic=youth): the form starts with it chosen.
    form = request.form if request.method == "POST" else {"topic": request.args.get("topic", "")}
    errors, status = {}, 200
    if request.method == "POST":
        key = form.get("submission", "")
        claimed = claim_submission(key)
        if isinstance(claimed, str):  # this very form was sent before: not counted again
            g.public_resend = True
            session["public_sent"] = claimed
            return redirect(url_for("public.sent"), code=303)
        try:
            call = submit_enquiry(submission_payload(form), consent=form.get("consent") == "yes",
                                  attachment=read_upload(request.files.get("attachment"), required=False))
        except (ValidationFailed, TooLarge) as exc:
            db.session.rollback()
            forget_submission(key)
            errors, status = {name: str(message) for name, message in exc.fields.items()}, exc.status
        else:
            db.session.commit()
            remember_submission(key, call.enquiry.reference)
            session["public_sent"] = call.enquiry.reference
            return redirect(url_for("public.sent"), code=303)
    return render_template("public/ask.html", form=form, errors=errors, topics=topic_choices(_("— choose —")),
                           cities=city_choices(_("no particular city")), submission=secrets.token_urlsafe(16),
                           file_lost=bool(errors) and bool(request.files.get("attachment"))), status


@bp.get("/sent")
def sent():
    """The confirmation of the question this browser sent last (a reload shows it again)."""
    enquiry = sent_enquiry(session.get("public_sent"))
    if enquiry is None:
        return redirect(url_for("public.ask"))
    return render_template("public/sent.html", enquiry=enquiry)


@bp.route("/status", methods=["GET", "POST"])
@limiter.limit(per("PUBLIC_LOOKUPS_PER_HOUR", "hour"), methods=["POST"])
def status():
    form, enquiry, not_found = request.form, None, False
    if request.method == "POST":
        enquiry = find_for_resident(form.get("reference", ""), form.get("contact", ""))
        db.session.commit()
        not_found = enquiry is None
    return _status_page(form, enquiry, not_found), 404 if not_found else 200


def _status_page(form, enquiry, not_found=False, errors=None, sent=None):
    return render_template("public/status.html", form=form, enquiry=enquiry, not_found=not_found,
                           status_text=PUBLIC_STATUS.get(enquiry.status) if enquiry else None,
                           answer=published_answer(enquiry) if enquiry else None,
                           delivery=latest_delivery(enquiry.id) if enquiry else None,
                           thread=thread(enquiry.id) if enquiry else [], errors=errors or {}, sent=sent)


@bp.post("/status/message")
@limiter.limit(per("PUBLIC_LOOKUPS_PER_HOUR", "hour"))
def add_message():
    """The resident writes again from the status page (identified again by reference and contact)."""
    form = request.form
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
