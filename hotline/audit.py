"""Record changes and reads of personal data in the audit log (SPEC 10)."""
from __future__ import annotations

from sqlalchemy import insert

from .extensions import db
from .models import AuditEntry, User, utcnow


INSERT_ENTRY = insert(AuditEntry.__table__)


def record(actor: User | None, action: str, obj, **detail) -> None:
    record_row(actor, action, obj.__tablename__, obj.id, **detail)


def record_row(actor: User | None, action: str, object_type: str, object_id: int | None, **detail) -> None:
    """One audit entry, written at once (a plain INSERT, no unit-of-work bookkeeping)."""
    db.session.execute(INSERT_ENTRY, dict(
        actor_id=actor.id if actor is not None else None, action=action, object_type=object_type,
        object_id=object_id, detail=detail, created_at=utcnow(),
    ))
