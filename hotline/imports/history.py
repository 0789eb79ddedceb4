"""Bulk writing of historical calls and enquiries (the CSV import and the synthetic generator):
batched Core inserts (executemany), ids taken in blocks, due times and business seconds from the
one business calendar. Memory stays bounded by the batch size."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from ..enquiries.references import format_reference
from ..enquiries.service import business_calendar, sla_targets
from ..extensions import db
from ..models import Call, Enquiry, EnquiryStatus, FaqUse, ReferenceCounter
from ..search.index import index_history
from ..timefmt import local_zone

BATCH = 5000


class IdBlock:
    """Primary keys handed out in blocks: PostgreSQL sequences, or max(id)+1 on SQLite (where the
    writing transaction holds the database's write lock)."""

    def __init__(self, table):
        self.table = table
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        self.next_id = None

    def take(self, count: int) -> list[int]:
        if count == 0:
            return []
        conn = db.session.connection()
        if self.postgres:
            sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                    {"t": self.table.name}).scalar_one()
            return list(conn.execute(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                     {"s": sequence, "n": count}).scalars())
        if self.next_id is None:
            self.next_id = (conn.execute(select(func.max(self.table.c.id))).scalar() or 0) + 1
        ids = list(range(self.next_id, self.next_id + count))
        self.next_id += count
        return ids


def take_references(year: int, count: int) -> list[str]:
    """`count` consecutive public references for `year`, in one counter update."""
    bump = (update(ReferenceCounter).where(ReferenceCounter.year == year)
            .values(last_value=ReferenceCounter.last_value + count).returning(ReferenceCounter.last_value))
    last = db.session.execute(bump).scalar()
    if last is None:
        dialect = db.session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(upsert(ReferenceCounter).values(year=year, last_value=0).on_conflict_do_nothing())
        last = db.session.execute(bump).scalar_one()
    return [format_reference(year, number) for number in range(last - count + 1, last + 1)]


class HistoryWriter:
    """Collects calls (each with an optional enquiry and FAQ uses) and inserts them in batches.

    `add(call, enquiry, faq_ids)`: `call` holds Call columns (ids, enums, aware datetimes);
    `enquiry` holds created_at, assignee_id, assigned_at, answered_at, answer, and optionally
    status, cancelled_at, reopened_at, closed_at; the writer fills reference, due times, status
    and answer_business_seconds (with the business calendar, as the answer verb does)."""

    def __init__(self, batch: int = BATCH):
        self.batch = batch
        self.calendar = business_calendar()
        self.zone = local_zone()
        self._targets: dict[int, tuple[float, float]] = {}
        self._call_ids = IdBlock(Call.__table__)
        self._enquiry_ids = IdBlock(Enquiry.__table__)
        self._pending: list[tuple[dict, dict | None, list[int]]] = []
        self.calls = self.enquiries = self.faq_uses = 0

    def reset_ids(self) -> None:
        """After a commit: the id blocks handed out are asked for afresh."""
        self._call_ids.next_id = self._enquiry_ids.next_id = None

    def targets(self, topic_id: int) -> tuple[float, float]:
        if topic_id not in self._targets:
            self._targets[topic_id] = sla_targets(topic_id)
        return self._targets[topic_id]

    def add(self, call: dict, enquiry: dict | None = None, faq_ids: list[int] | None = None) -> None:
        self._pending.append((call, enquiry, faq_ids or []))
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        conn = db.session.connection()
        pending, self._pending = self._pending, []
        call_ids = self._call_ids.take(len(pending))
        calls, enquiries, uses = [], [], []
        for call_id, (call, enquiry, faq_ids) in zip(call_ids, pending):
            calls.append({"answer": None, "city_id": None, "caller_id": None, "operator_id": None,
                          "ended_at": None, "question": "", **call, "id": call_id,
                          "created_at": call.get("created_at") or call["started_at"]})
            if enquiry is not None:
                enquiries.append(self._enquiry_row(calls[-1], enquiry))
            used_at = call.get("ended_at") or call["started_at"]
            for entry_id in faq_ids:
                uses.append({"entry_id": entry_id, "call_id": call_id, "user_id": call.get("operator_id"),
                             "enquiry_id": None, "used_at": used_at})
        conn.execute(insert(Call.__table__), calls)
        if enquiries:
            for row, enquiry_id in zip(enquiries, self._enquiry_ids.take(len(enquiries))):
                row["id"] = enquiry_id
            by_year: dict[int, list[dict]] = {}
            for row in enquiries:
                by_year.setdefault(row["created_at"].astimezone(self.zone).year, []).append(row)
            for year, rows in by_year.items():
                for row, reference in zip(rows, take_references(year, len(rows))):
                    row["reference"] = reference
            conn.execute(insert(Enquiry.__table__), enquiries)
        if uses:
            conn.execute(insert(FaqUse.__table__), uses)
        index_history(conn, calls, enquiries)  # the staff search finds them as they commit
        self.calls += len(calls)
        self.enquiries += len(enquiries)
        self.faq_uses += len(uses)

    def _enquiry_row(self, call: dict, enquiry: dict) -> dict:
        created: datetime = enquiry["created_at"]
        first_hours, answer_hours = self.targets(call["topic_id"])
        answered_at = enquiry.get("answered_at")
        status = enquiry.get("status")
        if status is None:
            if enquiry.get("cancelled_at"):
                status = EnquiryStatus.CANCELLED
            elif answered_at:
                status = EnquiryStatus.CLOSED if enquiry.get("closed_at") else EnquiryStatus.ANSWERED
            elif enquiry.get("assignee_id"):
                status = EnquiryStatus.ASSIGNED
            else:
                status = EnquiryStatus.NEW
        return {
            "reference": None, "call_id": call["id"], "caller_id": call.get("caller_id"),
            "created_by_id": call.get("operator_id"), "topic_id": call["topic_id"],
            "city_id": call.get("city_id"), "question": call.get("question") or "",
            "status": status, "assignee_id": enquiry.get("assignee_id"), "group_id": None,
            "created_at": created, "assigned_at": enquiry.get("assigned_at"),
            "first_response_at": answered_at, "answered_at": answered_at,
            "closed_at": enquiry.get("closed_at"), "cancelled_at": enquiry.get("cancelled_at"),
            "cancel_reason": enquiry.get("cancel_reason"), "reopened_at": enquiry.get("reopened_at"),
            "unrouted_at": None, "unrouted_reason": None,
            "first_response_due_at": self.calendar.add_business_hours(created, first_hours),
            "due_at": self.calendar.add_business_hours(created, answer_hours),
            "answer": enquiry.get("answer"),
            "answer_business_seconds": (self.calendar.business_seconds_between(created, answered_at)
                                        if answered_at else None),
            "answer_published": True, "formal_appeal": False, "legal_due_at": None,
            "legal_extended_at": None, "legal_extension_reason": None,
        }
