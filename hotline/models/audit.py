"""The audit log: every change and every read of personal data (SPEC 10). Rows are only ever
inserted; on PostgreSQL a trigger refuses UPDATE and DELETE except for the audit's own retention
job (hotline/audit.py `purge`), which says so with `SET LOCAL hotline.audit_retention = 'on'`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_object", "object_type", "object_id"),
        Index("ix_audit_actor_created", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # A list or a search: the ids it showed, as ",12,15,19," (found again with LIKE '%,15,%').
    object_ids: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def ids(self) -> list[int]:
        if self.object_ids:
            return [int(v) for v in self.object_ids.strip(",").split(",") if v]
        return [self.object_id] if self.object_id is not None else []


# The same guard the migration installs, for schemas made by create_all (the tests).
GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('hotline.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entry rows are never updated or deleted (only the audit retention job deletes)'
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
GUARD_TRIGGER = ("CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON audit_entry "
                 "FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()")
event.listen(AuditEntry.__table__, "after_create", DDL(GUARD_FUNCTION).execute_if(dialect="postgresql"))
event.listen(AuditEntry.__table__, "after_create", DDL(GUARD_TRIGGER).execute_if(dialect="postgresql"))


@event.listens_for(AuditEntry, "before_update")
def _never_updated(mapper, connection, target) -> None:
    raise RuntimeError("audit entries are never updated")


@event.listens_for(AuditEntry, "before_delete")
def _never_deleted(mapper, connection, target) -> None:
    raise RuntimeError("audit entries are deleted only by the audit's retention job")
