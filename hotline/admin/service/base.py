"""What every administration verb shares: today's date, loading a row, cleaning text, refusing
input on a field, recording which attributes changed."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...models import utcnow
from ...timefmt import to_local


def today() -> date:
    return to_local(utcnow()).date()


def existing(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(_l("Not found."))
    return obj


def text(value: str | None) -> str:
    return (value or "").strip()


def invalid(field: str, message) -> ValidationFailed:
    """The refusal of one field's value, shown on that field of the form."""
    return ValidationFailed(message, {field: message})


def check_length(value: str, field: str, limit: int) -> None:
    if len(value) > limit:
        raise invalid(field, _l("At most %(n)s characters.", n=limit))


def apply_changes(obj, values: dict) -> dict:
    """Set the attributes that differ; returns {attribute: [old, new]} for the audit entry."""
    changes = {}
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            changes[attr] = [getattr(obj, attr), value]
            setattr(obj, attr, value)
    return changes
