"""Verbs of notifications: tell a person (or all supervisors) about an enquiry, send the e-mail."""
from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import live
from ..extensions import db
from ..models import Enquiry, Notification, Role, User, utcnow
from ..queue import enqueue_after_commit

KINDS = {
    "assigned": _l("New enquiry %(ref)s is yours."),
    "handed-over": _l("Enquiry %(ref)s was handed over to you."),
    "reassigned-after-reopen": _l("Enquiry %(ref)s was reopened and is back with you."),
    "sla-warning": _l("Enquiry %(ref)s is close to its deadline."),
    "sla-breach": _l("Enquiry %(ref)s has missed its deadline."),
    "first-response-warning": _l("Enquiry %(ref)s is close to its first-response target: reply to the resident."),
    "first-response-breach": _l("Enquiry %(ref)s has had no first response within its target."),
    "legal-warning": _l("Formal appeal %(ref)s: five days or less to its legal deadline (59-FZ)."),
    "unrouted": _l("Enquiry %(ref)s could not be routed: nobody can take it."),
    "returned": _l("Enquiry %(ref)s was returned to you by the coordinator."),
    "answered": _l("Enquiry %(ref)s has been answered."),
}
# Kinds that are said once per enquiry and person, however often the job runs.
ONCE = {"sla-warning", "sla-breach", "first-response-warning", "first-response-breach", "legal-warning",
        "unrouted"}


def message(notification: Notification) -> str:
    template = KINDS.get(notification.kind)
    ref = notification.enquiry.reference if notification.enquiry else ""
    return str(template % {"ref": ref}) if template is not None else notification.kind


def notify(user: User, kind: str, enquiry: Enquiry | None) -> int | None:
    """Add one notification; returns its id, or None when it was already given (ONCE kinds)."""
    added = notify_many([(user, kind, enquiry)])
    return added[0] if added else None


def _once_key(kind: str, enquiry: Enquiry | None, user: User, rounds: dict[int, datetime | None]) -> str | None:
    if kind not in ONCE:
        return None
    key = f"{kind}:{enquiry.id if enquiry else None}:{user.id}"
    told = rounds.get(enquiry.id) if enquiry else None
    return f"{key}:{int(told.timestamp())}" if told else key


def notify_many(items: list[tuple[User, str, Enquiry | None]],
                rounds: dict[int, datetime | None] | None = None) -> list[int]:
    """Add notifications in one statement (a batch of routed enquiries); returns the ids of those
    added — a ONCE kind already given to that person for that enquiry is skipped. `rounds` names,
    per enquiry, the deadline a ONCE kind is about: a new deadline (reopen, extension) is told anew."""
    if not items:
        return []
    now = utcnow()
    rows = [{"user_id": user.id, "enquiry_id": enquiry.id if enquiry else None, "kind": kind, "created_at": now,
             "dedup_key": _once_key(kind, enquiry, user, rounds or {})}
            for user, kind, enquiry in items]
    table = Notification.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    added = db.session.execute(
        insert(table).values(rows).on_conflict_do_nothing().returning(table.c.id, table.c.user_id)).all()
    for user_id in {user_id for _id, user_id in added}:
        live.publish_after_commit(user_id, "bell")  # the bell, within a second (the live channel)
    if added:
        live.publish_channel_after_commit("desk", "inbox")  # an enquiry was assigned, handed over, …
    if current_app.config.get("MAIL_SERVER"):
        with_email = {user.id for user, _, _ in items if user.email}
        for notification_id, user_id in added:
            if user_id in with_email:
                enqueue_after_commit("hotline.jobs.send_notification_email", notification_id,
                                     job_id=f"mail-{notification_id}")
    return sorted(notification_id for notification_id, _ in added)


def notify_supervisors(kind: str, enquiry: Enquiry | None) -> list[int]:
    supervisors = db.session.execute(
        select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True))
    ).scalars().all()
    return [n for n in (notify(user, kind, enquiry) for user in supervisors) if n is not None]


def unread_count(user_id: int) -> int:
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(user: User, notification_ids: list[int] | None = None) -> int:
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(notification_ids))
    live.publish_after_commit(user.id, "bell")  # the bell on the person's other tabs
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount


def send_email(notification_id: int) -> bool:
    """Send one notification by e-mail (the job); False when there is nothing to send."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.emailed_at is not None:
        return False
    user = db.session.get(User, notification.user_id)
    config = current_app.config
    if not (user and user.email and config.get("MAIL_SERVER")):
        return False
    with force_locale(user.language or config["BABEL_DEFAULT_LOCALE"]):
        text = message(notification)
        mail = EmailMessage()
        mail["Subject"] = f"{_('Green Line')}: {text}"
        mail["From"] = config["MAIL_FROM"]
        mail["To"] = user.email
        mail.set_content(text + "\n\n" + _("Open the Green Line to see the enquiry."))
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        smtp.send_message(mail)
    notification.emailed_at = utcnow()
    return True
