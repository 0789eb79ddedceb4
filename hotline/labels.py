"""Names people read for roles, statuses and outcomes; registered as template helpers."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from . import visibility
from .extensions import db
from .i18n import current_locale
from .models import CallChannel, CallOutcome, EnquiryStatus, Notification, ReplyChannel, Role
from .phones import format_phone, mask_phone
from .reference import reference
from .sla.watch import sla_state

ROLE_LABELS = {
    Role.OPERATOR: _l("operator"),
    Role.COORDINATOR: _l("coordinator"),
    Role.SUPERVISOR: _l("supervisor"),
    Role.ADMIN: _l("administrator"),
}
OUTCOME_LABELS = {
    CallOutcome.ANSWERED: _l("Answered from FAQ"),
    CallOutcome.ROUTED: _l("Route to coordinator"),
    CallOutcome.INFO: _l("Information"),
    CallOutcome.DROPPED: _l("Dropped"),
}
CHANNEL_LABELS = {  # a call's channel; an answer's reply channel is in delivery.service
    CallChannel.PHONE: _l("Phone"),
    CallChannel.EMAIL: _l("E-mail"),
    CallChannel.WALK_IN: _l("Walk-in"),
    CallChannel.WEB: _l("Web"),
    CallChannel.PARTNER_API: _l("Partner API"),
}
STATUS_LABELS = {
    EnquiryStatus.NEW: _l("new"),
    EnquiryStatus.ASSIGNED: _l("assigned"),
    EnquiryStatus.ANSWERED: _l("answered"),
    EnquiryStatus.REOPENED: _l("reopened"),
    EnquiryStatus.CLOSED: _l("closed"),
    EnquiryStatus.CANCELLED: _l("cancelled"),
}
EVENT_LABELS = {
    "created": _l("registered"),
    "assigned": _l("assigned"),
    "reassigned-after-reopen": _l("back with the assignee after reopening"),
    "unrouted": _l("could not be routed"),
    "released": _l("released for re-routing"),
    "handed-over": _l("handed over"),
    "returned": _l("returned to the operator"),
    "resubmitted": _l("sent on again by the operator"),
    "answered": _l("answered"),
    "note": _l("internal note"),
    "reopened": _l("reopened"),
    "closed": _l("closed"),
    "cancelled": _l("cancelled"),
    "breached": _l("deadline missed"),
    "first-response-breached": _l("first-response target missed"),
    "formal-appeal": _l("marked as a formal appeal (59-FZ)"),
    "legal-extension": _l("legal deadline extended"),
    "delivery-queued": _l("answer on its way to the resident"),
    "delivery-sent": _l("answer sent by e-mail"),
    "delivery-retry": _l("e-mail not accepted yet, will be retried"),
    "delivery-fallback": _l("e-mail failed, a call-back instead"),
    "delivery-failed": _l("answer not delivered"),
    "callback-opened": _l("call-back task opened"),
    "callback-attempt": _l("call-back attempt"),
    "called-back": _l("resident called back"),
    "unreachable": _l("resident unreachable"),
    "reply-channel": _l("reply channel changed"),
    "resident-message": _l("message from the resident"),
    "interim-reply": _l("message to the resident"),
    "followed-up": _l("followed up by a new enquiry"),
    "feedback": _l("feedback from the resident"),
    "bounced": _l("e-mail bounced"),
    "attachment": _l("file attached"),
}
DEFAULT_GROUP_SUFFIX = " — координаторы"  # how seed-reference and a new topic name a topic's own group


def group_name(group) -> str:
    """A coordinator group's name; a topic's own group, named by the system after the topic, reads
    in the reader's language ("Archives — coordinators"). A name an admin gave is shown as given."""
    topic = getattr(group, "topic", None)
    if topic is not None:
        default = f"{topic.name_ru}{DEFAULT_GROUP_SUFFIX}"
        if group.name == default or group.name == f"{default} ({topic.code})":
            return str(_l("%(topic)s — coordinators", topic=topic.name(current_locale())))
    return group.name


LANGUAGE_LABELS = {"ru": _l("Russian"), "en": _l("English")}


def language_label(code: str | None) -> str:
    return str(LANGUAGE_LABELS.get(code, code or "—"))


# What the operator corrected before sending a returned enquiry on (the trail).
CORRECTION_LABELS = {
    "topic": _l("topic"), "city": _l("sister city"), "question": _l("question"),
    "caller_name": _l("caller's name"), "caller_phone": _l("phone"), "caller_email": _l("e-mail"),
}


def enquiry_status(enquiry) -> str:
    """The status a person reads: a `new` enquiry back with its operator reads "returned"."""
    if enquiry.status is EnquiryStatus.NEW and enquiry.returned_at is not None:
        return str(_l("returned"))
    return str(STATUS_LABELS.get(enquiry.status, enquiry.status.value))


def correction_text(changed: dict) -> str:
    """"topic: youth → culture; question" — codes shown as names in the reader's language."""
    locale, ref = current_locale(), reference()
    parts = []
    for name, value in changed.items():
        label = str(CORRECTION_LABELS.get(name, name))
        if isinstance(value, list) and name in ("topic", "city"):
            names = ref.topics if name == "topic" else ref.cities
            shown = [names[code].name(locale) if code in names else "—" for code in value]
            parts.append(f"{label}: {shown[0]} → {shown[1]}")
        else:
            parts.append(label)
    return "; ".join(parts)


def unread_notifications() -> int:
    if not current_user.is_authenticated:
        return 0
    return db.session.execute(
        select(func.count(Notification.id)).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def phone_for_role(e164: str | None, detail: bool = False) -> str:
    """Whole or masked as `visibility.full_phone` says: supervisors see numbers masked in lists and
    whole on a detail page (`detail=True`)."""
    if current_user.is_authenticated and visibility.full_phone(current_user, detail):
        return format_phone(e164)
    return mask_phone(e164)


def _reply_channel_label(channel) -> str:
    # cycle: delivery.service → enquiries, whose package loads views that use labels
    from .delivery.service import CHANNEL_LABELS as REPLY_CHANNEL_LABELS

    return REPLY_CHANNEL_LABELS[ReplyChannel(channel)]


def _delivery_status_label(status) -> str:
    # cycle: delivery.service → enquiries, whose package loads views that use labels
    from .delivery.service import STATUS_LABELS as DELIVERY_STATUS_LABELS

    return DELIVERY_STATUS_LABELS[status]


def _channel_label(channel) -> str:
    return str(CHANNEL_LABELS.get(channel, getattr(channel, "value", channel)))


def may_open_enquiry(enquiry) -> bool:
    """Whether the enquiry page would open for the person looking: lists link it only then."""
    from .enquiries.access import can_view  # cycle: the enquiries package loads its views, which use labels

    return bool(current_user.is_authenticated and enquiry is not None and can_view(current_user, enquiry))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["phone_for_role"] = phone_for_role
    app.jinja_env.globals.update(
        role_label=ROLE_LABELS.get,
        status_label=STATUS_LABELS.get,
        enquiry_status=enquiry_status,
        may_open_enquiry=may_open_enquiry,
        language_label=language_label,
        group_name=group_name,
        correction_text=correction_text,
        outcome_label=OUTCOME_LABELS.get,
        event_label=lambda kind: EVENT_LABELS.get(kind, kind),
        sla_state=sla_state,
        reply_channel_label=_reply_channel_label,
        channel_label=_channel_label,
        delivery_status_label=_delivery_status_label,
        can_see_call=visibility.can_see_call,
        unread_notifications=unread_notifications,
    )
