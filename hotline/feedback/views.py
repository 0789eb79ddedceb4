"""The public feedback page (no login): GET shows the choice, POST records it once."""
from __future__ import annotations

from flask import render_template, request

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from . import bp
from .service import FeedbackGone, give_feedback, open_link
from .tokens import LinkExpired


def _open(token: str):
    try:
        return open_link(token), None
    except NotFound:
        return None, (render_template("feedback/message.html", kind="invalid"), 404)
    except LinkExpired:
        return None, (render_template("feedback/message.html", kind="expired"), 410)


@bp.get("/<token>")
def form(token: str):
    opened, error = _open(token)
    if error:
        return error
    link, delivery, given = opened
    if given is not None:
        return render_template("feedback/message.html", kind="given"), 409
    return render_template("feedback/form.html", token=token, verdict=link.verdict.value,
                           enquiry=delivery.enquiry, errors={}, comment="")


@bp.post("/<token>")
def submit(token: str):
    opened, error = _open(token)
    if error:
        return error
    link, delivery, _given = opened
    try:
        feedback = give_feedback(token, request.form.get("verdict"), request.form.get("comment"))
    except FeedbackGone:
        db.session.rollback()
        return render_template("feedback/message.html", kind="given"), 409
    except ValidationFailed as exc:
        db.session.rollback()
        return render_template("feedback/form.html", token=token, verdict=request.form.get("verdict") or
                               link.verdict.value, enquiry=delivery.enquiry, errors=exc.fields,
                               comment=request.form.get("comment", "")), 422
    db.session.commit()
    return render_template("feedback/message.html", kind="thanks", verdict=feedback.verdict.value,
                           reopened=feedback.enquiry_id and delivery.enquiry.status.value == "reopened")
