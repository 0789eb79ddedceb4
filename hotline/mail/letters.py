"""The letters the hotline writes to residents: the answer (with its feedback links), the
acknowledgement of a mail taken in, and a coordinator's message in the thread. Each is rendered
in the resident's language (Russian, or English for any other) from the wording admins may edit
(`letter_templates`: their edit, else the default under `templates/mail/<language>/`)."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..enquiries.service import NewEnquiry
from ..extensions import db
from ..feedback.tokens import feedback_url
from ..models import Delivery, Enquiry, FeedbackVerdict, IncomingMail, MailKind, OutgoingMail
from . import letter_templates
from .outbox import compose


def resident_language(language: str | None) -> str:
    return "ru" if (language or "ru").lower().startswith("ru") else "en"


def _signature() -> dict:
    config = current_app.config
    return {"agency": config["OPEN311_AGENCY"], "contact": config["OPEN311_CONTACT"],
            "public_url": config["PUBLIC_URL"].rstrip("/")}


def _thread_headers(enquiry: Enquiry) -> dict:
    """In-Reply-To / References: the resident's last mail on this enquiry, so their client threads."""
    last = db.session.execute(
        select(IncomingMail.message_key).where(IncomingMail.enquiry_id == enquiry.id)
        .order_by(IncomingMail.id.desc()).limit(1)).scalar_one_or_none()
    return {"in_reply_to": last} if last and last.startswith("<") else {}


def answer_letter(enquiry: Enquiry, delivery: Delivery) -> OutgoingMail:
    caller = enquiry.caller
    language = resident_language(caller.language)
    with force_locale(language):
        context = dict(reference=enquiry.reference, name=caller.name, answer=enquiry.answer,
                       helpful_url=feedback_url(delivery.id, FeedbackVerdict.HELPFUL),
                       not_helpful_url=feedback_url(delivery.id, FeedbackVerdict.NOT_HELPFUL), **_signature())
        subject = _("%(ref)s: the answer to your question", ref=enquiry.reference)
    text = letter_templates.render("answer", language, "txt", context)
    html = letter_templates.render("answer", language, "html", context)
    return compose(MailKind.ANSWER, caller.email, subject, text, html, enquiry_id=enquiry.id,
                   delivery_id=delivery.id, reference=enquiry.reference, **_thread_headers(enquiry))


def acknowledgement_letter(enquiry: Enquiry | NewEnquiry, to: str, language: str | None, in_reply_to: str | None,
                           references: list[str]) -> OutgoingMail:
    language = resident_language(language)
    with force_locale(language):
        subject = _("%(ref)s: your question is registered", ref=enquiry.reference)
    text = letter_templates.render("acknowledgement", language, "txt", dict(reference=enquiry.reference, **_signature()))
    return compose(MailKind.ACKNOWLEDGEMENT, to, subject, text, enquiry_id=enquiry.id, in_reply_to=in_reply_to,
                   references=references, automatic=True, reference=enquiry.reference)


def interim_letter(enquiry: Enquiry, body: str) -> OutgoingMail:
    language = resident_language(enquiry.caller.language)
    with force_locale(language):
        subject = _("%(ref)s: a message about your question", ref=enquiry.reference)
    text = letter_templates.render("interim", language, "txt", dict(reference=enquiry.reference, body=body, **_signature()))
    return compose(MailKind.INTERIM, enquiry.caller.email, subject, text, enquiry_id=enquiry.id,
                   reference=enquiry.reference, **_thread_headers(enquiry))
