"""The FAQ search index: each entry's lemmas in `faq_term` (with status, language and topic copied
for filtering) and spelling keys in `faq_term_key`. A flush hook rewrites an entry's rows
whenever its text, wordings, status, language or topic change, however the change was made
(service, seed, a test), so the index cannot drift from the entries."""
from __future__ import annotations

from itertools import chain

from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import FaqEntry, FaqTerm, FaqTermKey, FaqWording
from .text import deletions, fold, text_terms, words, word_terms

QUESTION_WEIGHT = 3
ANSWER_WEIGHT = 1
# Lemmas this short get no spelling keys: one edit in a word of 5+ letters is the promise.
KEYED_TERM_MIN = 4
SEARCH_FIELDS = ("question", "answer", "status", "language", "topic_id", "topic", "wordings")
_CHUNK = 500

__all__ = ["fold", "index_entries", "index_entry", "reindex_all"]


def _lemma_line(text: str) -> str:
    return " ".join(t for word in words(text) for t in word_terms(word))


def entry_rows(entry: FaqEntry) -> list[dict]:
    question_text = " ".join([entry.question or "", *(w.text for w in entry.wordings)])
    in_question = text_terms(question_text)
    in_answer = text_terms(entry.answer or "")
    rows = []
    for term in in_question | in_answer:
        weight = (QUESTION_WEIGHT if term in in_question else 0) + (ANSWER_WEIGHT if term in in_answer else 0)
        rows.append({"term": term, "entry_id": entry.id, "weight": weight, "status": entry.status,
                     "language": entry.language or "ru", "topic_id": entry.topic_id})
    return rows


def index_entries(connection, entries, *, fresh: bool = False) -> None:
    """Rewrite the index rows of `entries` (already flushed, so they have ids)."""
    entries = [e for e in entries if e.id is not None]
    if not entries:
        return
    ids = [e.id for e in entries]
    if not fresh:
        for start in range(0, len(ids), _CHUNK):
            connection.execute(delete(FaqTerm).where(FaqTerm.entry_id.in_(ids[start:start + _CHUNK])))
    rows: list[dict] = []
    for entry in entries:
        rows.extend(entry_rows(entry))
        question_line = _lemma_line(" ".join([entry.question or "", *(w.text for w in entry.wordings)]))
        answer_line = _lemma_line(entry.answer or "")
        if (entry.search_question, entry.search_answer) != (question_line, answer_line):
            connection.execute(update(FaqEntry).where(FaqEntry.id == entry.id)
                               .values(search_question=question_line, search_answer=answer_line))
            set_committed_value(entry, "search_question", question_line)
            set_committed_value(entry, "search_answer", answer_line)
    for start in range(0, len(rows), _CHUNK * 4):
        connection.execute(FaqTerm.__table__.insert(), rows[start:start + _CHUNK * 4])
    _add_spelling_keys(connection, {row["term"] for row in rows})


def _add_spelling_keys(connection, terms: set[str]) -> None:
    terms = sorted(t for t in terms if len(t) >= KEYED_TERM_MIN and not t.isdigit())
    known: set[str] = set()
    for start in range(0, len(terms), _CHUNK):
        chunk = terms[start:start + _CHUNK]
        known.update(connection.execute(
            select(FaqTermKey.key).where(FaqTermKey.key.in_(chunk), FaqTermKey.key == FaqTermKey.term)
        ).scalars())
    rows = [{"key": key, "term": term} for term in terms if term not in known
            for key in {term} | deletions(term)]
    if not rows:
        return
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), _CHUNK * 4):
        # Two editors may add the same new lemma at once; the key is the same either way.
        connection.execute(insert(FaqTermKey).on_conflict_do_nothing(), rows[start:start + _CHUNK * 4])


def index_entry(entry: FaqEntry) -> None:
    db.session.flush()
    index_entries(db.session.connection(), [entry])


def reindex_all() -> int:
    """Rebuild the whole index (after a change to the text analysis, or by the demo seed)."""
    db.session.flush()
    entries = db.session.execute(select(FaqEntry)).scalars().all()
    connection = db.session.connection()
    connection.execute(delete(FaqTerm))
    index_entries(connection, entries, fresh=True)
    return len(entries)


def _search_fields_changed(entry: FaqEntry) -> bool:
    state = inspect(entry)
    return any(state.attrs[name].history.has_changes() for name in SEARCH_FIELDS)


@event.listens_for(Session, "after_flush")
def _index_changed_entries(session: Session, flush_context) -> None:
    # In after_flush the new/dirty sets and attribute histories still describe this flush.
    changed: dict[int, FaqEntry] = {}
    fresh: set[int] = set()
    for obj in chain(session.new, session.dirty):
        if isinstance(obj, FaqEntry):
            if obj in session.new:
                fresh.add(id(obj))
                changed[id(obj)] = obj
            elif _search_fields_changed(obj):
                changed[id(obj)] = obj
        elif isinstance(obj, FaqWording) and obj.entry is not None:
            changed.setdefault(id(obj.entry), obj.entry)
    changed = {k: e for k, e in changed.items() if e not in session.deleted}
    if not changed:
        return
    with session.no_autoflush:
        connection = session.connection()
        new_entries = [e for k, e in changed.items() if k in fresh]
        old_entries = [e for k, e in changed.items() if k not in fresh]
        index_entries(connection, new_entries, fresh=True)
        index_entries(connection, old_entries)
