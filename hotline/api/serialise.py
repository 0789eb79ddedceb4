"""How records look in JSON: ISO 8601 UTC times and codes, never internal objects."""
from __future__ import annotations

from ..attachments.service import attachments_of
from ..delivery.service import delivery_attempts, latest_delivery
from ..models import Attachment, Call, Caller, Enquiry
from ..phones import format_phone
from ..timefmt import iso


def enquiry_summary(enquiry: Enquiry) -> dict:
    return {
        "id": enquiry.id,
        "reference": enquiry.reference,
        "status": enquiry.status.value,
        "due_at": iso(enquiry.due_at),
        "created_at": iso(enquiry.created_at),
        "assignee": enquiry.assignee.login if enquiry.assignee else None,
        "formal_appeal": enquiry.formal_appeal,
        "legal_due_at": iso(enquiry.legal_due_at),
    }


def call_json(call: Call) -> dict:
    return {
        "id": call.id,
        "channel": call.channel.value,
        "caller": caller_json(call.caller) if call.caller else None,
        "operator": call.operator.login if call.operator else None,
        "topic": call.topic.code if call.topic else None,
        "city": call.city.code if call.city else None,
        "question": call.question,
        "answer": call.answer,
        "outcome": call.outcome.value,
        "started_at": iso(call.started_at),
        "ended_at": iso(call.ended_at),
        "handle_seconds": call.handle_seconds,
        "enquiry": enquiry_summary(call.enquiry) if call.enquiry else None,
    }


def caller_json(caller: Caller) -> dict:
    return {
        "id": caller.id,
        "name": caller.name,
        "phone": caller.phone,
        "phone_display": format_phone(caller.phone),
        "email": caller.email,
        "language": caller.language,
        "consent_at": iso(caller.consent_at),
    }


def attachment_json(attachment: Attachment) -> dict:
    return {"id": attachment.id, "name": attachment.name, "type": attachment.content_type, "size": attachment.size}


def enquiry_json(enquiry: Enquiry, sla: str, trail: bool = False) -> dict:
    body = {
        **enquiry_summary(enquiry),
        "topic": enquiry.topic.code,
        "city": enquiry.city.code if enquiry.city else None,
        "question": enquiry.question,
        "assigned_at": iso(enquiry.assigned_at),
        "first_response_at": iso(enquiry.first_response_at),
        "answered_at": iso(enquiry.answered_at),
        "closed_at": iso(enquiry.closed_at),
        "cancelled_at": iso(enquiry.cancelled_at),
        "answer": enquiry.answer,
        "sla": sla,
        "registered_at": iso(enquiry.registered_at),
        "legal_extended_at": iso(enquiry.legal_extended_at),
        "legal_extension_reason": enquiry.legal_extension_reason,
        "unrouted": enquiry.unrouted_at is not None,
        "returned_reason": enquiry.return_reason if enquiry.returned_at else None,
    }
    body["reply_channel"] = enquiry.reply_channel.value
    if trail:
        body["attachments"] = [attachment_json(a) for a in attachments_of(enquiry)]
        body["delivery"] = delivery_json(enquiry)
        body["trail"] = [{"at": iso(ev.created_at), "kind": ev.kind, "actor": ev.actor.login if ev.actor else None,
                          "detail": ev.detail} for ev in enquiry.events]
    return body


def delivery_json(enquiry: Enquiry) -> dict | None:
    """The latest delivery of the enquiry's answer with every attempt, e-mail and phone alike."""
    delivery = latest_delivery(enquiry.id)
    if delivery is None:
        return None
    return {"status": delivery.status.value, "channel": delivery.channel.value, "at": iso(delivery.delivered_at),
            "answered_at": iso(delivery.answered_at),
            "attempts": [{"at": iso(at), "channel": channel, "result": result, "detail": detail}
                         for at, channel, result, detail in delivery_attempts(delivery)]}
