"""The staff search index (SPEC 8.2, 12): one row per searchable record — an enquiry, a call, a
caller — with its words already analysed (lemmas, phone and reference keys) in three weighted
fields, and copies of the columns the visibility rule (SPEC 10) filters on, so that scope is a
filter the index applies itself. The full-text structure over these fields is the database's own:
an FTS5 table kept by triggers on SQLite, a generated `tsvector` with a GIN index on PostgreSQL
(see `hotline/search/schema.py`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", name="uq_search_document_kind_record"),
        # One per branch of the visibility rule (hotline/visibility.py `document_branches`): the
        # kind, the branch's column, then the id, so that a branch's newest documents are read in order.
        Index("ix_search_document_kind_id", "kind", "id"),
        Index("ix_search_document_operator_id", "kind", "operator_id", "id"),
        Index("ix_search_document_created_by_id", "kind", "created_by_id", "id"),
        Index("ix_search_document_assignee_id", "kind", "assignee_id", "id"),
        Index("ix_search_document_topic_id", "kind", "topic_id", "id"),
        Index("ix_search_document_group_id", "kind", "group_id", "id"),
        Index("ix_search_document_caller", "caller_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # enquiry | call | caller
    record_id: Mapped[int]
    caller_id: Mapped[int | None]
    # The enquiry this record belongs to (itself, or a call's enquiry) and the columns of it that
    # SPEC 10 decides by; NULL for a call without an enquiry and for callers.
    enquiry_id: Mapped[int | None]
    topic_id: Mapped[int | None]
    city_id: Mapped[int | None]
    group_id: Mapped[int | None]
    assignee_id: Mapped[int | None]
    created_by_id: Mapped[int | None]
    operator_id: Mapped[int | None]  # a call's operator
    # Analysed text: space-separated terms. `ident` (references, phones, e-mails, names) weighs
    # most, `title` (the question) next, `body` (answers, notes, the e-mail thread) least.
    ident: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The scope columns above as words (`visibility.document_scope`), indexed beside the text so
    # the full-text index keeps a user's documents itself; never matched by what people type.
    scope: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
