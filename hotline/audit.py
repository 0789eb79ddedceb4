"""The audit log (SPEC 10): record every change and every read of personal data — one row per
record on a detail read, one row per list or search naming the ids it showed — read it back with
filters for the admins' page and API, and purge what is older than `AUDIT_RETENTION_DAYS` (the
audit's own retention job: the only deletion the PostgreSQL trigger lets through)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, or_, select, text
from sqlalchemy.orm import selectinload

from .errors import ValidationFailed
from .extensions import db
from .models import AuditEntry, User, utcnow
from .request_guard import MAX_PAGE, PAGE_SIZE
from .timefmt import local_zone

INSERT_ENTRY = insert(AuditEntry.__table__)
PURGE_BATCH = 5000
EXPORT_MAX = 100_000


def record(actor: User | None, action: str, obj, **detail) -> None:
    record_row(actor, action, obj.__tablename__, obj.id, **detail)


def record_row(actor: User | None, action: str, object_type: str, object_id: int | None, **detail) -> None:
    """One audit entry, written at once (a plain INSERT, no unit-of-work bookkeeping)."""
    db.session.execute(INSERT_ENTRY, dict(
        actor_id=actor.id if actor is not None else None, action=action, object_type=object_type,
        object_id=object_id, object_ids=None, detail=detail, created_at=utcnow(),
    ))


def record_list(actor: User | None, object_type: str, ids: Iterable[int], action: str = "read", **detail) -> bool:
    """One entry for a list or search that showed these records (nothing when it showed none).
    Returns whether a row was written."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        return False
    db.session.execute(INSERT_ENTRY, dict(
        actor_id=actor.id if actor is not None else None, action=action, object_type=object_type,
        object_id=ids[0] if len(ids) == 1 else None, object_ids="," + ",".join(map(str, ids)) + ",",
        detail={**detail, "count": len(ids)}, created_at=utcnow(),
    ))
    return True


# Reading the log ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    actor: str | None = None      # a login
    object_type: str | None = None
    object_id: int | None = None
    action: str | None = None
    start: date | None = None     # Perm local dates, `end` exclusive
    end: date | None = None

    def as_args(self) -> dict:
        record = self.object_type or ""
        if self.object_id is not None:
            record = f"{record}:{self.object_id}"
        return {k: v for k, v in {"actor": self.actor, "record": record or None, "action": self.action,
                                   "from": self.start.isoformat() if self.start else None,
                                   "to": self.end.isoformat() if self.end else None}.items() if v}


RECORD = re.compile(r"^([a-z_]{1,40})(?::([0-9]{1,10}))?$")


def parse_filters(args) -> Filters:
    """Filters from query arguments `actor`, `record` (`enquiry` or `enquiry:12`), `action`,
    `from`, `to` (YYYY-MM-DD, Perm dates, `to` exclusive); every error at once."""
    errors = {}
    actor = (args.get("actor") or "").strip() or None
    action = (args.get("action") or "").strip() or None
    object_type = object_id = None
    record_arg = (args.get("record") or "").strip()
    if record_arg:
        match = RECORD.match(record_arg)
        if match is None:
            errors["record"] = str(_l("A record is its kind, optionally with its number: enquiry or enquiry:12."))
        else:
            object_type, number = match.groups()
            object_id = int(number) if number else None
    if action and len(action) > 40:
        errors["action"] = str(_l("Too long: at most %(max)d characters.", max=40))
    if actor and len(actor) > 64:
        errors["actor"] = str(_l("Too long: at most %(max)d characters.", max=64))
    dates = {}
    for name in ("from", "to"):
        value = (args.get(name) or "").strip()
        if value:
            try:
                dates[name] = date.fromisoformat(value)
                if not 2000 <= dates[name].year <= 2100:
                    raise ValueError
            except ValueError:
                errors[name] = str(_l("A date as YYYY-MM-DD."))
    if "from" in dates and "to" in dates and dates["to"] <= dates["from"]:
        errors["to"] = str(_l("The end must be after the start."))
    if errors:
        raise ValidationFailed(_l("Check the filters."), errors)
    return Filters(actor, object_type, object_id, action, dates.get("from"), dates.get("to"))


def _statement(filters: Filters):
    stmt = select(AuditEntry)
    if filters.actor:
        stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(User.login == filters.actor)
    if filters.object_type:
        stmt = stmt.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(or_(AuditEntry.object_id == filters.object_id,
                              AuditEntry.object_ids.like(f"%,{filters.object_id},%")))
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    zone = local_zone()
    if filters.start:
        stmt = stmt.where(AuditEntry.created_at >= datetime.combine(filters.start, time(0), tzinfo=zone))
    if filters.end:
        stmt = stmt.where(AuditEntry.created_at < datetime.combine(filters.end, time(0), tzinfo=zone))
    return stmt


def entries(filters: Filters, page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[AuditEntry], bool]:
    """One page of matching entries, newest first, and whether there is a next page."""
    page = min(max(page, 1), MAX_PAGE)

    stmt = (_statement(filters).options(selectinload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(per_page + 1).offset((max(page, 1) - 1) * per_page))
    rows = list(db.session.execute(stmt).scalars())
    return rows[:per_page], len(rows) > per_page


def all_entries(filters: Filters, limit: int = EXPORT_MAX) -> list[AuditEntry]:
    return list(db.session.execute(
        _statement(filters).options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)).scalars())


def actions() -> list[str]:
    return list(db.session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars())


def object_types() -> list[str]:
    return list(db.session.execute(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type))
                .scalars())


def entry_json(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.created_at.isoformat().replace("+00:00", "Z"),
        "actor": entry.actor.login if entry.actor else None,
        "action": entry.action,
        "record": entry.object_type,
        "ids": entry.ids,
        "detail": entry.detail or {},
    }


# Retention ---------------------------------------------------------------------------------------

def retention_cutoff(now: datetime | None = None) -> datetime | None:
    days = int(current_app.config.get("AUDIT_RETENTION_DAYS", 0))
    return (now or utcnow()) - timedelta(days=days) if days > 0 else None


def purge(now: datetime | None = None, batch: int = PURGE_BATCH) -> int:
    """Delete entries older than `AUDIT_RETENTION_DAYS`, a batch per transaction (committed here:
    this is a job, not a verb); returns how many. The one deletion the log allows."""
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    table = AuditEntry.__table__
    total = 0
    while True:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL hotline.audit_retention = 'on'"))
        ids = select(table.c.id).where(table.c.created_at < cutoff).order_by(table.c.id).limit(batch)
        deleted = db.session.execute(delete(table).where(table.c.id.in_(ids.scalar_subquery()))).rowcount
        if deleted:
            record_row(None, "purge", AuditEntry.__tablename__, None, cutoff=cutoff.isoformat(), deleted=deleted)
        db.session.commit()
        total += deleted
        if deleted < batch:
            return total


def count_older_than(cutoff: datetime) -> int:
    return db.session.execute(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.created_at < cutoff)).scalar()
