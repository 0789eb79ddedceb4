"""How records look in JSON: ISO 8601 UTC times and codes, never internal objects."""
from __future__ import annotations

from datetime import datetime

from ..models import Call, Caller, Enquiry
from ..phones import format_phone


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def enquiry_summary(enquiry: Enquiry) -> dict:
    return {
        "id": enquiry.id,
        "reference": enquiry.reference,
        "status": enquiry.status.value,
        "due_at": iso(enquiry.due_at),
        "created_at": iso(enquiry.created_at),
        "assignee": enquiry.assignee.login if enquiry.assignee else None,
    }


def call_json(call: Call) -> dict:
    return {
        "id": call.id,
        "channel": call.channel.value,
        "caller": caller_json(call.caller) if call.caller else None,
        "operator": call.operator.login if call.operator else None,
        "topic": call.topic.code,
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
