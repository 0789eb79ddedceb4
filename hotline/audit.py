"""Record changes and reads of personal data in the audit log (SPEC 10)."""
from __future__ import annotations

from .extensions import db
from .models import AuditEntry, User


def record(actor: User | None, action: str, obj, **detail) -> None:
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=obj.__tablename__,
            object_id=obj.id,
            detail=detail,
        )
    )
