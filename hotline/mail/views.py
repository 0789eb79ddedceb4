"""The outbox admins read: every mail the hotline wrote, what the resident receives (or, without
MAIL_SERVER, would have received) and where it stands."""
from __future__ import annotations

import email
import email.policy

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.decorators import role_required
from ..extensions import db
from ..models import MailStatus, OutgoingMail
from . import bp

PAGE = 100
STATUS_LABELS = None


def _labels():
    return {MailStatus.PENDING: _l("waiting to be sent"), MailStatus.SENT: _l("accepted by the mail server"),
            MailStatus.KEPT: _l("kept here (no mail server)"), MailStatus.FAILED: _l("failed")}


@bp.get("/outbox")
@role_required("admin")
def outbox():
    page = max(request.args.get("page", 1, type=int), 1)
    mails = db.session.execute(select(OutgoingMail).order_by(OutgoingMail.id.desc())
                               .offset((page - 1) * PAGE).limit(PAGE + 1)).scalars().all()
    return render_template("mail/outbox.html", mails=mails[:PAGE], page=page, more=len(mails) > PAGE,
                           labels=_labels())


def text_of(raw: bytes) -> tuple[dict, str]:
    """The headers a person reads and the plain-text part of one stored mail."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {name: str(message[name]) for name in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To",
                                                     "Auto-Submitted") if message[name]}
    part = message.get_body(preferencelist=("plain",))
    return headers, part.get_content() if part is not None else ""


@bp.get("/outbox/<int:mail_id>")
@role_required("admin")
def outbox_mail(mail_id: int):
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:
        abort(404)
    headers, text = text_of(mail.raw)
    return render_template("mail/outbox_mail.html", mail=mail, headers=headers, text=text, labels=_labels())
