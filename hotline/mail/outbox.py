"""The outbox (SPEC 6 applied to mail): a mail is composed once, stored, and sent by a job after
the commit; failures wait in the row for the next attempt (backoff), and the sweep sends what a
lost job or an emptied Redis left behind. Every attempt sends the same bytes and Message-ID, so a
worker killed between the SMTP server's acceptance and the commit causes one duplicate at most,
which mail clients fold."""
from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update

from ..delivery.service import mail_accepted, mail_attempt_failed, mail_failed
from ..extensions import db
from ..models import MailKind, MailStatus, OutgoingMail, utcnow
from ..queue import enqueue_after_commit, enqueue_unless_waiting

log = logging.getLogger(__name__)
SEND_JOB = "hotline.jobs.send_mail"
MAX_ATTEMPTS = 5
# The header our own mail carries, so that intake knows it when it comes back (a loop).
LOOP_HEADER = "X-Hotline-Loop"


def send_job_id(mail_id: int, attempt: int = 0) -> str:
    return f"outbox-{mail_id}" if not attempt else f"outbox-{mail_id}-{attempt}"


def mail_domain() -> str:
    return current_app.config["MAIL_FROM"].rpartition("@")[2] or "localhost"


def compose(kind: MailKind, to: str, subject: str, text: str, html: str | None = None, *,
            enquiry_id: int | None = None, delivery_id: int | None = None, in_reply_to: str | None = None,
            references: list[str] | None = None, automatic: bool = False,
            reference: str | None = None) -> OutgoingMail:
    """Store one mail in the outbox and send it after the commit. `automatic` mails (the
    acknowledgement) say so (RFC 3834), so that well-behaved responders do not answer them."""
    config = current_app.config
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((_("Green Line"), config["MAIL_FROM"]))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message_id = make_msgid("zl", domain=mail_domain())
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join([*(references or []), in_reply_to][-10:])
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
        message["Precedence"] = "auto_reply"
    message[LOOP_HEADER] = config["MAIL_FROM"]
    if reference:
        message["X-Hotline-Reference"] = reference
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    mail = OutgoingMail(kind=kind, status=MailStatus.PENDING, enquiry_id=enquiry_id, delivery_id=delivery_id,
                        message_id=message_id, to_address=to, subject=subject[:500], raw=message.as_bytes(),
                        attempts=0, next_attempt_at=utcnow(), created_at=utcnow())
    db.session.add(mail)
    db.session.flush()
    enqueue_after_commit(SEND_JOB, mail.id, job_id=send_job_id(mail.id), retry=False)
    return mail


def smtp_send(raw: bytes, to: str) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"]) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.sendmail(config["MAIL_FROM"], [to], raw)


def _claim(mail_id: int) -> bool:
    """Take the mail for one attempt (a conditional UPDATE, committed), so that two jobs for one
    mail never both send it; a claim older than STALE_JOB_SECONDS was a worker that died."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["STALE_JOB_SECONDS"])
    claimed = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.status == MailStatus.PENDING,
               or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= now),
               or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < stale))
        .values(claimed_at=now, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def send_mail(mail_id: int) -> str:
    """One attempt at one mail (the job): `sent`, `kept` (no MAIL_SERVER), `retry`, `failed`, or
    `not-due` when another job has it or it is done. Commits (it is a job's body)."""
    if not _claim(mail_id):
        return "not-due"
    mail = db.session.get(OutgoingMail, mail_id)
    now = utcnow()
    if not current_app.config.get("MAIL_SERVER"):
        mail.status, mail.sent_at, mail.claimed_at = MailStatus.KEPT, now, None
        mail_accepted(mail, kept=True)
        db.session.commit()
        return "kept"
    try:
        smtp_send(mail.raw, mail.to_address)
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        mail.last_error, mail.claimed_at = error, None
        if mail.attempts >= MAX_ATTEMPTS:
            mail.status = MailStatus.FAILED
            mail_failed(mail, error)
            outcome = "failed"
        else:
            waits = current_app.config["MAIL_RETRY_MINUTES"]
            mail.next_attempt_at = now + timedelta(minutes=waits[min(mail.attempts, len(waits)) - 1])
            mail_attempt_failed(mail, error)
            enqueue_after_commit(SEND_JOB, mail.id, job_id=send_job_id(mail.id, mail.attempts), retry=False,
                                 at=mail.next_attempt_at)
            outcome = "retry"
        db.session.commit()
        log.warning("mail %s attempt %d: %s (%s)", mail_id, mail.attempts, outcome, error)
        return outcome
    mail.status, mail.sent_at, mail.claimed_at = MailStatus.SENT, now, None
    mail_accepted(mail)
    db.session.commit()
    return "sent"


def sweep_outbox() -> int:
    """Send again what is due and not held by a live worker: mail whose job was lost (Redis
    emptied, worker killed). Returns how many were enqueued."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["STALE_JOB_SECONDS"])
    settle = now - timedelta(seconds=current_app.config["SWEEP_AFTER_SECONDS"])
    ids = db.session.execute(
        select(OutgoingMail.id).where(
            OutgoingMail.status == MailStatus.PENDING,
            or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= settle),
            or_(and_(OutgoingMail.claimed_at.is_(None), OutgoingMail.created_at <= settle),
                OutgoingMail.claimed_at < stale),
        ).order_by(OutgoingMail.id).limit(1000)
    ).scalars().all()
    for mail_id in ids:
        enqueue_unless_waiting(SEND_JOB, mail_id, job_id=send_job_id(mail_id), retry=False)
    return len(ids)
