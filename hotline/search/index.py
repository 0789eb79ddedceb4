"""Keeping the search index in step with the records, in the same transaction as the change.

Every ORM change to an enquiry, a call, a caller, a note or a message of the e-mail thread marks
the records whose documents it touches (after each flush); before the transaction commits — and
before any search — the marked documents are rebuilt from what the database now holds, so an edit
or an erasure is searchable as it commits. Writers that bypass the ORM (erasure and retention's
bulk UPDATEs, the history importer's batched INSERTs) call `mark` or `index_records` themselves."""
from __future__ import annotations

from collections import defaultdict
from itertools import chain

from sqlalchemy import delete, event, func, insert, inspect, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (Call, Caller, Enquiry, EnquiryNote, SearchDocument, ThreadMessage)
from ..visibility import document_scope
from .analysis import caller_line, line, reference_keys

CHUNK = 500
PENDING = "search_pending"

ENQUIRY_FIELDS = ("reference", "question", "answer", "caller_id", "call_id", "topic_id", "city_id", "group_id",
                  "assignee_id", "created_by_id")
CALL_FIELDS = ("question", "answer", "caller_id", "operator_id")
CALLER_FIELDS = ("name", "phone", "email")

KINDS = ("enquiry", "call", "caller")


def mark(session: Session, kind: str, ids) -> None:
    """Rebuild these documents before the transaction commits (kind: enquiry, call, caller, or
    caller_of — every document that names these callers)."""
    pending = session.info.setdefault(PENDING, defaultdict(set))
    pending[kind].update(i for i in ids if i is not None)


def changed(kind: str, ids) -> None:
    """For verbs that write with Core statements (the ORM's flush never sees those): these
    records changed in the current transaction; their documents are rebuilt before it commits."""
    mark(db.session(), kind, ids)


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "after_flush")
def _mark_flushed(session: Session, flush_context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        new_or_gone = obj in session.new or obj in session.deleted
        if isinstance(obj, Enquiry):
            if new_or_gone or _changed(obj, ENQUIRY_FIELDS):
                mark(session, "enquiry", [obj.id])
                mark(session, "call", [obj.call_id, *inspect(obj).attrs.call_id.history.deleted])
        elif isinstance(obj, Call):
            if new_or_gone or _changed(obj, CALL_FIELDS):
                mark(session, "call", [obj.id])
        elif isinstance(obj, Caller):
            if new_or_gone or _changed(obj, CALLER_FIELDS):
                mark(session, "caller", [obj.id])
                if obj not in session.new:
                    mark(session, "caller_of", [obj.id])
        elif isinstance(obj, (EnquiryNote, ThreadMessage)):
            mark(session, "enquiry", [obj.enquiry_id])


@event.listens_for(Session, "before_commit")
def _index_before_commit(session: Session) -> None:
    apply_pending(session)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING, None)


def apply_pending(session: Session) -> None:
    """Rebuild every marked document (a rebuild's own flush may mark more: until none is left)."""
    for _round in range(5):
        session.flush()
        pending = session.info.pop(PENDING, None)
        if not pending:
            return
        connection = session.connection()
        callers = sorted(pending.pop("caller_of", ()))
        for start in range(0, len(callers), CHUNK):
            chunk = callers[start:start + CHUNK]
            pending["call"].update(connection.execute(select(Call.id).where(Call.caller_id.in_(chunk))).scalars())
            pending["enquiry"].update(
                connection.execute(select(Enquiry.id).where(Enquiry.caller_id.in_(chunk))).scalars())
        index_records(connection, **{kind: sorted(pending.get(kind, ())) for kind in KINDS})


# Building documents -------------------------------------------------------------------------------

def _by_enquiry(connection, column_body, model, ids) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for enquiry_id, body in connection.execute(
            select(model.enquiry_id, column_body).where(model.enquiry_id.in_(ids)).order_by(model.id)):
        found[enquiry_id].append(body or "")
    return found


def enquiry_documents(connection, ids) -> dict[int, dict]:
    rows = connection.execute(
        select(Enquiry.id, Enquiry.reference, Enquiry.question, Enquiry.answer, Enquiry.caller_id, Enquiry.topic_id,
               Enquiry.city_id, Enquiry.group_id, Enquiry.assignee_id, Enquiry.created_by_id, Enquiry.created_at,
               Call.operator_id, Caller.name, Caller.phone, Caller.email)
        .outerjoin(Call, Call.id == Enquiry.call_id).outerjoin(Caller, Caller.id == Enquiry.caller_id)
        .where(Enquiry.id.in_(ids))).all()
    notes = _by_enquiry(connection, EnquiryNote.body, EnquiryNote, ids)
    thread = _by_enquiry(connection, ThreadMessage.body, ThreadMessage, ids)
    return {row.id: dict(
        kind="enquiry", record_id=row.id, caller_id=row.caller_id, enquiry_id=row.id, topic_id=row.topic_id,
        city_id=row.city_id, group_id=row.group_id, assignee_id=row.assignee_id, created_by_id=row.created_by_id,
        operator_id=row.operator_id,
        ident=" ".join(filter(None, [*reference_keys(row.reference), caller_line(row.name, row.phone, row.email)])),
        title=line(row.question), body=line(row.answer, *notes.get(row.id, ()), *thread.get(row.id, ())),
        created_at=row.created_at) for row in rows}


def call_documents(connection, ids) -> dict[int, dict]:
    rows = connection.execute(
        select(Call.id, Call.question, Call.answer, Call.caller_id, Call.operator_id, Call.started_at,
               Enquiry.id.label("enquiry_id"), Enquiry.topic_id, Enquiry.city_id, Enquiry.group_id,
               Enquiry.assignee_id, Enquiry.created_by_id, Caller.name, Caller.phone, Caller.email)
        .outerjoin(Enquiry, Enquiry.call_id == Call.id).outerjoin(Caller, Caller.id == Call.caller_id)
        .where(Call.id.in_(ids))).all()
    return {row.id: dict(
        kind="call", record_id=row.id, caller_id=row.caller_id, enquiry_id=row.enquiry_id, topic_id=row.topic_id,
        city_id=row.city_id, group_id=row.group_id, assignee_id=row.assignee_id, created_by_id=row.created_by_id,
        operator_id=row.operator_id, ident=caller_line(row.name, row.phone, row.email),
        title=line(row.question), body=line(row.answer), created_at=row.started_at) for row in rows}


def caller_documents(connection, ids) -> dict[int, dict]:
    rows = connection.execute(
        select(Caller.id, Caller.name, Caller.phone, Caller.email, Caller.created_at).where(Caller.id.in_(ids))).all()
    docs = {}
    for row in rows:
        ident = caller_line(row.name, row.phone, row.email)
        if ident:  # an anonymous or erased caller is not findable
            docs[row.id] = dict(kind="caller", record_id=row.id, caller_id=row.id, enquiry_id=None, topic_id=None,
                                city_id=None, group_id=None, assignee_id=None, created_by_id=None,
                                operator_id=None, ident=ident, title="", body="", created_at=row.created_at)
    return docs


BUILDERS = {"enquiry": enquiry_documents, "call": call_documents, "caller": caller_documents}


def _with_scope(docs: dict[int, dict]) -> dict[int, dict]:
    for doc in docs.values():
        doc["scope"] = document_scope(doc)
    return docs


def index_records(connection, *, enquiry=(), call=(), caller=(), fresh: bool = False) -> int:
    """Rewrite the documents of these records (a record gone or with nothing to find loses its
    document). `fresh`: the records are new, none has a document yet. Returns documents written."""
    written = 0
    for kind, ids in (("enquiry", enquiry), ("call", call), ("caller", caller)):
        ids = list(ids)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            docs = _with_scope(BUILDERS[kind](connection, chunk))
            existing = {} if fresh else dict(connection.execute(
                select(SearchDocument.record_id, SearchDocument.id)
                .where(SearchDocument.kind == kind, SearchDocument.record_id.in_(chunk))).all())
            gone = [existing[i] for i in chunk if i in existing and i not in docs]
            if gone:
                connection.execute(delete(SearchDocument).where(SearchDocument.id.in_(gone)))
            new = [doc for i, doc in docs.items() if i not in existing]
            if new:
                connection.execute(insert(SearchDocument), new)
            for record_id, doc in docs.items():
                if record_id in existing:
                    connection.execute(update(SearchDocument).where(SearchDocument.id == existing[record_id])
                                       .values(**doc))
            written += len(docs)
    return written


def index_history(connection, calls: list[dict], enquiries: list[dict]) -> int:
    """Documents for a batch of historical calls and enquiries just inserted (the importer's and
    the generator's batches), and for their callers that have none yet."""
    callers = sorted({row["caller_id"] for row in calls if row.get("caller_id")})
    if callers:
        indexed = set(connection.execute(select(SearchDocument.record_id).where(
            SearchDocument.kind == "caller", SearchDocument.record_id.in_(callers))).scalars())
        callers = [i for i in callers if i not in indexed]
    return index_records(connection, fresh=True, caller=callers, call=[row["id"] for row in calls],
                         enquiry=[row["id"] for row in enquiries])


def reindex_all(session: Session, progress=None) -> int:
    """Rebuild the whole index from the records (after a migration, or a restore). Documents are
    written in the order the calls came in — each call's caller and enquiry beside it — since the
    document id is the recency the search falls back on for a very common word."""
    connection = session.connection()
    connection.execute(delete(SearchDocument))
    written, last, seen_callers = 0, 0, set()
    while True:
        rows = connection.execute(select(Call.id, Call.caller_id).where(Call.id > last).order_by(Call.id)
                                  .limit(CHUNK * 4)).all()
        if not rows:
            break
        call_ids = [r.id for r in rows]
        callers = sorted({r.caller_id for r in rows if r.caller_id is not None} - seen_callers)
        seen_callers.update(callers)
        enquiries = connection.execute(select(Enquiry.id).where(Enquiry.call_id.in_(call_ids))
                                       .order_by(Enquiry.id)).scalars().all()
        written += index_records(connection, fresh=True, caller=callers, call=call_ids, enquiry=enquiries)
        last = call_ids[-1]
        if progress:
            progress(written)
    # What no call brought: enquiries without a call, callers without calls.
    for model, kind in ((Enquiry, "enquiry"), (Caller, "caller")):
        last = 0
        while True:
            ids = connection.execute(select(model.id).where(model.id > last).order_by(model.id)
                                     .limit(CHUNK * 4)).scalars().all()
            if not ids:
                break
            indexed = set(connection.execute(select(SearchDocument.record_id).where(
                SearchDocument.kind == kind, SearchDocument.record_id.in_(ids))).scalars())
            written += index_records(connection, fresh=True, **{kind: [i for i in ids if i not in indexed]})
            last = ids[-1]
    return written


def document_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(SearchDocument)).scalar_one()
