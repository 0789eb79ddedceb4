"""Staff search (SPEC 8.2, 12): one query over enquiries, calls and callers — references in either
alphabet, phones by any tail of digits, names, e-mail addresses and the words of questions,
answers, notes and e-mail threads in any word form — ranked by the index, scoped by SPEC 10's
rule inside the index query, highlighted, and written to the audit log as what was shown.

A query with more than `COUNT_CAP` visible matches says «more than 100» instead of counting them,
and ranks only its newest `RANKED` matches: for a word in every third call, relevance among the
latest calls is what people want, and the cost stays independent of how many years the database
holds. Document ids follow the records' order (see `index.reindex_all`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit, visibility
from ..extensions import db
from ..faq.search import highlight, snippet
from ..faq.text import text_terms
from ..mail.thread import thread
from ..models import Attachment, Call, Caller, Enquiry, SearchDocument, User
from .analysis import Query, parse_query
from .backends import backend_for
from .index import KINDS, apply_pending

COUNT_CAP = 100
RANKED = COUNT_CAP + 1  # a query with more visible matches ranks only the newest this many
PAGE = 20


@dataclass
class Hit:
    kind: str
    record: object
    score: float
    title: str
    text: Markup
    caller: Caller | None = None


@dataclass
class Results:
    query: Query
    kind: str | None
    hits: list[Hit] = field(default_factory=list)
    count: int = 0           # visible matches, up to COUNT_CAP
    more: bool = False       # more than COUNT_CAP

    @property
    def empty(self) -> bool:
        return not self.hits


@dataclass
class CallerRecord:
    """What the caller page shows: calls and enquiries (summaries where the viewer may not read them
    in full), the ids of the enquiries they may read, and those enquiries' attachments."""

    calls: list[Call]
    enquiries: list[Enquiry]
    readable: set[int]
    attachments: list[Attachment]


def caller_record(viewer: User, caller: Caller) -> CallerRecord:
    """Every call, enquiry and attachment of one resident that the viewer may see (SPEC 10: the
    caller-card summary of the calls and enquiries they may not read in full); audited as read."""
    calls = db.session.execute(
        select(Call).options(selectinload(Call.topic), selectinload(Call.enquiry), selectinload(Call.operator))
        .where(Call.caller_id == caller.id, visibility.summary_condition(viewer, Call))
        .order_by(Call.started_at.desc())).scalars().all()
    enquiries = db.session.execute(
        select(Enquiry).options(selectinload(Enquiry.topic), selectinload(Enquiry.assignee))
        .where(Enquiry.caller_id == caller.id, visibility.summary_condition(viewer, Enquiry))
        .order_by(Enquiry.created_at.desc())).scalars().all()
    readable = {e.id for e in enquiries if visibility.can_see_enquiry(viewer, e)}
    attachments = db.session.execute(
        select(Attachment).where(Attachment.enquiry_id.in_(readable)).order_by(Attachment.id)
    ).scalars().all() if readable else []
    audit.record(viewer, "read", caller, via="caller-page")
    audit.record_list(viewer, Call.__tablename__, [c.id for c in calls if visibility.can_see_call(viewer, c)],
                      via="caller-page")
    audit.record_list(viewer, Enquiry.__tablename__, sorted(readable), via="caller-page")
    return CallerRecord(list(calls), list(enquiries), readable, list(attachments))


def parse_kind(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value in KINDS else None


def search(user: User, text: str, kind: str | None = None, limit: int = PAGE, via: str = "search") -> Results:
    """What `user` may see that matches `text`, best first; the ids shown go to the audit log."""
    session = db.session
    apply_pending(session)  # this transaction's own changes are searchable at once
    query = parse_query(text)
    results = Results(query=query, kind=kind)
    if not query:
        return results
    backend = backend_for(session)
    kinds = [kind] if kind else None
    keys = visibility.scope_keys(user)
    scope_words = None if keys is None else [
        key for key_kind, kind_keys in keys.items() if kinds is None or key_kind in kinds for key in kind_keys]
    if scope_words == []:  # nothing of these kinds is theirs to see
        return results
    rule = visibility.document_branches if backend.name == "postgresql-tsvector" else visibility.document_condition
    newest = backend.newest(session, query, rule(user, SearchDocument), scope_words, kinds, RANKED)
    results.count, results.more = min(len(newest), COUNT_CAP), len(newest) > COUNT_CAP
    if not newest:
        return results
    # Ranked among these: all the matches, or the newest RANKED of very many.
    rows = backend.ranked(session, query, newest, limit)
    results.hits = _hits(user, rows, query)
    for record_kind in KINDS:
        audit.record_list(user, _TABLES[record_kind], [h.record.id for h in results.hits if h.kind == record_kind],
                          action="read", via=via)
    return results


_TABLES = {"enquiry": Enquiry.__tablename__, "call": Call.__tablename__, "caller": Caller.__tablename__}


def _hits(user: User, rows, query: Query) -> list[Hit]:
    ids = {kind: [r.record_id for r in rows if r.kind == kind] for kind in KINDS}
    enquiries = {e.id: e for e in db.session.execute(
        select(Enquiry).options(joinedload(Enquiry.caller), joinedload(Enquiry.topic))
        .where(Enquiry.id.in_(ids["enquiry"]))).scalars()} if ids["enquiry"] else {}
    calls = {c.id: c for c in db.session.execute(
        select(Call).options(joinedload(Call.caller), joinedload(Call.topic), joinedload(Call.enquiry))
        .where(Call.id.in_(ids["call"]))).scalars()} if ids["call"] else {}
    callers = {c.id: c for c in db.session.execute(
        select(Caller).where(Caller.id.in_(ids["caller"]))).scalars()} if ids["caller"] else {}
    hits = []
    for row in rows:
        # The index filtered by the rule already; the record's own check stands behind it.
        if row.kind == "enquiry":
            enquiry = enquiries.get(row.record_id)
            if enquiry is None or not visibility.can_see_enquiry(user, enquiry):
                continue
            hits.append(_enquiry_hit(enquiry, row.score, query))
        elif row.kind == "call":
            call = calls.get(row.record_id)
            if call is None or not visibility.can_see_call(user, call):
                continue
            hits.append(_call_hit(call, row.score, query))
        else:
            caller = callers.get(row.record_id)
            if caller is None or not visibility.can_see_caller(user, caller):
                continue
            hits.append(Hit("caller", caller, row.score, caller.name or "", Markup(""), caller))
    return hits


def _best_text(query: Query, *texts) -> Markup:
    """The first text that holds a matched word, cut around it and highlighted (escaped). Each
    of `texts` is a string or a callable giving more strings (read only when nothing before matched)."""
    terms, first = query.words, None
    for item in texts:
        for text in (item() if callable(item) else [item]):
            if not text:
                continue
            first = first or text
            if text_terms(text) & terms:
                return highlight(snippet(text, terms, 200), terms)
    return highlight(snippet(first or "", terms, 200), terms)


def _enquiry_hit(enquiry: Enquiry, score: float, query: Query) -> Hit:
    return Hit("enquiry", enquiry, score, enquiry.reference,
               _best_text(query, enquiry.question, enquiry.answer, lambda: [n.body for n in enquiry.notes],
                          lambda: [m.body for m in thread(enquiry.id)]), enquiry.caller)


def _call_hit(call: Call, score: float, query: Query) -> Hit:
    return Hit("call", call, score, call.topic.name_ru if call.topic else "",
               _best_text(query, call.question, call.answer), call.caller)
