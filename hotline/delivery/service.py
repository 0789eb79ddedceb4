"""Verbs of delivery: start it when an answer is given, follow what the outbox, bounces and
call-backs report, change the reply channel. They flush, never commit."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..callbacks.service import open_callback
from ..enquiries.access import can_view
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    CallbackKind, CallbackTask, Delivery, DeliveryAttempt, DeliveryStatus, Enquiry, EnquiryEvent, OutgoingMail,
    ReplyChannel, User, utcnow,
)

CHANNEL_LABELS = {
    ReplyChannel.EMAIL: _l("by e-mail"),
    ReplyChannel.PHONE: _l("by a call-back"),
    ReplyChannel.NONE: _l("looked up by reference"),
}
STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("being delivered"),
    DeliveryStatus.SENT: _l("sent"),
    DeliveryStatus.CALLED_BACK: _l("called back"),
    DeliveryStatus.FAILED: _l("not delivered"),
    DeliveryStatus.UNREACHABLE: _l("unreachable"),
}


def default_reply_channel(email: str | None, phone: str | None) -> ReplyChannel:
    """SPEC 3: e-mail when the caller gave an address, else phone when there is a number."""
    if email:
        return ReplyChannel.EMAIL
    if phone:
        return ReplyChannel.PHONE
    return ReplyChannel.NONE


def parse_reply_channel(value, email: str | None, phone: str | None) -> ReplyChannel:
    """The channel asked for at intake (or the default); one that cannot work is an error."""
    if value in (None, ""):
        return default_reply_channel(email, phone)
    try:
        channel = ReplyChannel(value)
    except ValueError:
        raise ValidationFailed(_l("Unknown reply channel; expected email, phone or none."),
                               {"reply_channel": str(_l("Unknown reply channel; expected email, phone or none."))})
    check_reply_channel(channel, email, phone)
    return channel


def check_reply_channel(channel: ReplyChannel, email: str | None, phone: str | None) -> None:
    if channel is ReplyChannel.EMAIL and not email:
        error = _l("An answer by e-mail needs the caller's e-mail address.")
        raise ValidationFailed(error, {"reply_channel": str(error)})
    if channel is ReplyChannel.PHONE and not phone:
        error = _l("A call-back needs the caller's phone number.")
        raise ValidationFailed(error, {"reply_channel": str(error)})


def _event(enquiry_id: int, kind: str, actor: User | None = None, **detail) -> None:
    db.session.add(EnquiryEvent(enquiry_id=enquiry_id, actor_id=actor.id if actor else None, kind=kind,
                                detail=detail, created_at=utcnow()))


def change_reply_channel(actor: User, enquiry: Enquiry, value) -> Enquiry:
    """Shown and changeable on the enquiry page; a delivery already under way keeps its channel."""
    if not can_view(actor, enquiry):
        raise Conflict(_l("You cannot change this enquiry."))
    caller = enquiry.caller
    try:
        channel = ReplyChannel(value)
    except ValueError:
        raise ValidationFailed(_l("Unknown reply channel; expected email, phone or none."),
                               {"reply_channel": str(_l("Unknown reply channel; expected email, phone or none."))})
    check_reply_channel(channel, caller.email if caller else None, caller.phone if caller else None)
    if channel is not enquiry.reply_channel:
        previous = enquiry.reply_channel.value
        enquiry.reply_channel = channel
        _event(enquiry.id, "reply-channel", actor, **{"from": previous, "to": channel.value})
        audit.record(actor, "reply_channel", enquiry, to=channel.value)
    return enquiry


def latest_delivery(enquiry_id: int) -> Delivery | None:
    return db.session.execute(
        select(Delivery).where(Delivery.enquiry_id == enquiry_id).order_by(Delivery.id.desc()).limit(1)
    ).scalar_one_or_none()


def start_delivery(actor: User | None, enquiry: Enquiry) -> Delivery | None:
    """Called by `answer_enquiry`: the answer goes out by the reply channel after the commit — an
    e-mail in the outbox, or a call-back task. `none` delivers nothing."""
    channel = enquiry.reply_channel
    if channel is ReplyChannel.NONE:
        return None
    delivery = Delivery(enquiry_id=enquiry.id, channel=channel, status=DeliveryStatus.PENDING,
                        answered_by_id=actor.id if actor else None, answered_at=enquiry.answered_at or utcnow())
    db.session.add(delivery)
    db.session.flush()
    caller = enquiry.caller
    if channel is ReplyChannel.EMAIL and caller is not None and caller.email:
        from ..mail.letters import answer_letter  # cycle: the outbox reports to delivery.service

        mail = answer_letter(enquiry, delivery)
        _event(enquiry.id, "delivery-queued", actor, channel="email", to=caller.email, message_id=mail.message_id)
    elif caller is not None and caller.phone:
        delivery.channel = ReplyChannel.PHONE
        open_callback(CallbackKind.ANSWER, caller.phone, caller_id=caller.id, enquiry_id=enquiry.id,
                      delivery_id=delivery.id)
        _event(enquiry.id, "delivery-queued", actor, channel="phone")
    else:
        _fail(delivery, "no address or number to deliver to")
    return delivery


def mail_accepted(mail: OutgoingMail, kept: bool = False) -> None:
    """The SMTP server took the mail (or, without one, the demo outbox kept it)."""
    delivery = db.session.get(Delivery, mail.delivery_id) if mail.delivery_id else None
    if delivery is None:
        return
    db.session.add(DeliveryAttempt(delivery_id=delivery.id, at=utcnow(), result="kept" if kept else "accepted",
                                   detail=mail.message_id))
    if delivery.status is DeliveryStatus.PENDING:
        delivery.status = DeliveryStatus.SENT
        delivery.delivered_at = utcnow()
        _event(delivery.enquiry_id, "delivery-sent", message_id=mail.message_id, kept=kept)


def mail_attempt_failed(mail: OutgoingMail, error: str) -> None:
    if mail.delivery_id:
        db.session.add(DeliveryAttempt(delivery_id=mail.delivery_id, at=utcnow(), result="smtp-error",
                                       detail=error))
        if mail.attempts == 1:  # the trail says it once; the attempts list has each one
            delivery = db.session.get(Delivery, mail.delivery_id)
            _event(delivery.enquiry_id, "delivery-retry", reason=error[:200])


def mail_failed(mail: OutgoingMail, error: str) -> None:
    """The last SMTP attempt failed: a call-back when there is a number, else `failed`."""
    delivery = db.session.get(Delivery, mail.delivery_id) if mail.delivery_id else None
    if delivery is None:
        return
    db.session.add(DeliveryAttempt(delivery_id=delivery.id, at=utcnow(), result="smtp-error", detail=error))
    _fall_back(delivery, "smtp failed: " + error)


def mail_bounced(message_id: str, detail: str) -> Delivery | None:
    """A delivery status notification came back for one of our mails."""
    mail = db.session.execute(select(OutgoingMail).where(OutgoingMail.message_id == message_id)).scalar_one_or_none()
    if mail is None or mail.delivery_id is None:
        return None
    delivery = db.session.get(Delivery, mail.delivery_id)
    db.session.add(DeliveryAttempt(delivery_id=delivery.id, at=utcnow(), result="bounced", detail=detail[:500]))
    if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENT):
        _fall_back(delivery, "bounced: " + detail)
    return delivery


def _fall_back(delivery: Delivery, reason: str) -> None:
    enquiry = db.session.get(Enquiry, delivery.enquiry_id)
    caller = enquiry.caller if enquiry else None
    if caller is not None and caller.phone:
        delivery.channel = ReplyChannel.PHONE
        delivery.status = DeliveryStatus.PENDING
        delivery.delivered_at = None
        open_callback(CallbackKind.ANSWER, caller.phone, caller_id=caller.id, enquiry_id=enquiry.id,
                      delivery_id=delivery.id, reason=reason[:500])
        _event(delivery.enquiry_id, "delivery-fallback", reason=reason[:200])
    else:
        _fail(delivery, reason)


def _fail(delivery: Delivery, reason: str) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.failed_reason = reason[:500]
    _event(delivery.enquiry_id, "delivery-failed", reason=reason[:200])


def called_back(delivery_id: int, actor: User) -> None:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        return
    delivery.status = DeliveryStatus.CALLED_BACK
    delivery.delivered_at = utcnow()
    _event(delivery.enquiry_id, "called-back", actor)


def unreachable(delivery_id: int, actor: User, reason: str) -> None:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        return
    delivery.status = DeliveryStatus.UNREACHABLE
    delivery.failed_reason = reason
    _event(delivery.enquiry_id, "unreachable", actor, reason=reason)


EMAIL_RESULTS = ("accepted", "kept", "smtp-error", "bounced")


def delivery_attempts(delivery: Delivery) -> list[tuple]:
    """(at, channel, result, detail) of every attempt: SMTP hand-overs, bounces and call-backs."""
    rows = [(a.at, "email" if a.result in EMAIL_RESULTS else "phone", a.result, a.detail) for a in delivery.attempts]
    tasks = db.session.execute(select(CallbackTask).where(CallbackTask.delivery_id == delivery.id)).scalars().all()
    rows += [(a.at, "phone", a.result.value, a.note) for task in tasks for a in task.attempts]
    return sorted(rows, key=lambda row: row[0])


def undelivered(limit: int = 200) -> list[Delivery]:
    """Answers that did not reach the resident (failed, unreachable): the supervisors' list."""
    return list(db.session.execute(
        select(Delivery).options(selectinload(Delivery.enquiry))
        .where(Delivery.status.in_((DeliveryStatus.FAILED, DeliveryStatus.UNREACHABLE)))
        .order_by(Delivery.answered_at.desc()).limit(limit)).scalars())
