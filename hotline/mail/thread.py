"""The enquiry's conversation with the resident (SPEC 3, 5.8): the resident's messages (by mail or
on the public status page) and the coordinator's interim replies. A resident's message reopens
an answered enquiry, or one closed less than REOPEN_DAYS ago; later ones start a new enquiry
that follows the old."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..enquiries.access import can_work
from ..enquiries.service import create_enquiry, mark_reopened, plan_enquiry, record_first_response
from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from ..models import (
    Call,
    CallChannel,
    CallOutcome,
    Enquiry,
    EnquiryEvent,
    EnquiryStatus,
    ReplyChannel,
    ThreadAuthor,
    ThreadMessage,
    User,
    utcnow,
)
from .letters import interim_letter

MESSAGE_MAX = 10_000


@dataclass(frozen=True)
class Joined:
    enquiry: Enquiry
    outcome: str  # joined | reopened | followed-up
    message: ThreadMessage


def thread(enquiry_id: int) -> list[ThreadMessage]:
    return list(db.session.execute(select(ThreadMessage).where(ThreadMessage.enquiry_id == enquiry_id)
                                   .order_by(ThreadMessage.id)).scalars())


def _body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed(_l("Write the message."), {"body": str(_l("Write the message."))})
    body = body.strip()
    if len(body) > MESSAGE_MAX:
        error = _l("Too long: at most %(max)d characters.", max=MESSAGE_MAX)
        raise ValidationFailed(error, {"body": str(error)})
    return body


def reopenable(enquiry: Enquiry) -> bool:
    limit = utcnow() - timedelta(days=current_app.config["REOPEN_DAYS"])
    if enquiry.status is EnquiryStatus.ANSWERED:
        return True
    return enquiry.status is EnquiryStatus.CLOSED and enquiry.closed_at is not None and enquiry.closed_at >= limit


def resident_message(enquiry: Enquiry, body, source: str, incoming_mail_id: int | None = None) -> Joined:
    """The resident writes again: joins an open enquiry, reopens a recent answer, or starts a
    new enquiry that follows an old or cancelled one."""
    body = _body(body)
    now = utcnow()
    outcome = "joined"
    if not enquiry.is_open:
        if reopenable(enquiry):
            # A new due time; back to the assignee (routing keeps a reopened enquiry's coordinator).
            mark_reopened(enquiry, now)
            db.session.add(EnquiryEvent(enquiry_id=enquiry.id, kind="reopened", created_at=now,
                                        detail={"via": source, "reason": body[:200]}))
            outcome = "reopened"
        else:
            enquiry = follow_up(enquiry, body, source)
            outcome = "followed-up"
    message = ThreadMessage(enquiry_id=enquiry.id, author=ThreadAuthor.RESIDENT, source=source, body=body,
                            incoming_mail_id=incoming_mail_id, created_at=now)
    db.session.add(message)
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, kind="resident-message", created_at=now,
                                detail={"via": source}))
    db.session.flush()
    audit.record_row(None, "resident_message", Enquiry.__tablename__, enquiry.id, via=source)
    return Joined(enquiry, outcome, message)


def follow_up(old: Enquiry, body: str, source: str) -> Enquiry:
    """A new enquiry for a message on an enquiry closed too long ago (SPEC 3), linked to it."""
    now = utcnow()
    channel = CallChannel.EMAIL if source == "email" else CallChannel.WEB
    limit = current_app.config["QUESTION_MAX_LENGTH"]
    call = Call(channel=channel, caller_id=old.caller_id, topic_id=old.topic_id, city_id=old.city_id,
                question=body[:limit], outcome=CallOutcome.ROUTED, started_at=now, ended_at=now, created_at=now)
    db.session.add(call)
    db.session.flush()
    created = create_enquiry(None, plan_enquiry(old.topic_id, now), call_id=call.id, caller_id=old.caller_id,
                             topic_id=old.topic_id, city_id=old.city_id, question=body[:limit],
                             reply_channel=old.reply_channel, follows_id=old.id)
    db.session.add(EnquiryEvent(enquiry_id=old.id, kind="followed-up", created_at=now,
                                detail={"to": created.reference}))
    return db.session.get(Enquiry, created.id)


def write_to_resident(actor: User, enquiry: Enquiry, body) -> ThreadMessage:
    """A coordinator's interim reply before the answer («уточняем в Дуйсбурге»): in the thread,
    mailed when the answer goes by e-mail, and the first response if nothing came before."""
    if not can_work(actor, enquiry):
        raise Forbidden(_l("Only the assignee or a supervisor can do this."))
    if not enquiry.is_open:
        raise Conflict(_l("Enquiry %(ref)s is closed.", ref=enquiry.reference))
    body = _body(body)
    now = utcnow()
    mail = None
    caller = enquiry.caller
    if enquiry.reply_channel is ReplyChannel.EMAIL and caller is not None and caller.email:
        mail = interim_letter(enquiry, body)
    message = ThreadMessage(enquiry_id=enquiry.id, author=ThreadAuthor.COORDINATOR, author_id=actor.id,
                            source="email" if mail else "web", body=body, outgoing_mail_id=mail.id if mail else None,
                            created_at=now)
    db.session.add(message)
    record_first_response(enquiry, now)  # SPEC 7: an interim reply is a first response
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=actor.id, kind="interim-reply", created_at=now,
                                detail={"mailed": mail is not None}))
    audit.record(actor, "interim_reply", enquiry)
    db.session.flush()
    return message
