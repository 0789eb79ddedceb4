"""The two full-text backends behind one interface: `newest` — the ids of the newest matches the
user may see, up to a cap — and `ranked` — those ids in order of relevance (PostgreSQL's ts_rank;
on SQLite the same kind of score, from the documents' fields). Scope comes twice: as scope words (`visibility.scope_keys`), which the full-text index
intersects with the query's words as it reads them, and as the visibility rule over the
document's columns (`visibility.document_branches`), which decides exactly among what is left."""
from __future__ import annotations

import math
import time
from typing import NamedTuple

from sqlalchemy import bindparam, cast, column, func, literal_column, or_, select, table, text, true, union
from sqlalchemy.dialects.postgresql import TSQUERY

from ..models import SearchDocument

# Field weights: what identifies a record (reference, phone, name) over its question over the rest.
FIELD_WEIGHTS = (10.0, 3.0, 1.0)  # ident, title, body (SQLite; PostgreSQL: weights A, B, C)

_fts = table("search_fts", column("rowid"))
# A term in at least this share of the documents is walked for, not read from the GIN index.
COMMON_SHARE = 0.01
COMMON_TTL = 300.0
_common: dict = {"at": -COMMON_TTL, "terms": {}}


def _common_terms(session) -> dict[str, float]:
    """The tsvector's most common elements and their frequencies (ANALYZE keeps them), read at
    most every five minutes per process."""
    now = time.monotonic()
    if now - _common["at"] >= COMMON_TTL:
        row = session.execute(text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'search_document' AND attname = 'tsv' "
            "AND schemaname = ANY (current_schemas(false))")).first()
        terms = dict(zip(row[0], row[1])) if row and row[0] else {}
        _common.update(at=now, terms=terms)
    return _common["terms"]


class Ranked(NamedTuple):
    kind: str
    record_id: int
    score: float


def field_score(query, ident: str, title: str, body: str) -> float:
    """Relevance in the manner of PostgreSQL's ts_rank (normalisation 1), over a document's analysed
    fields: each group's matched terms, weighted by field, over 1 + log of the document's length."""
    fields = [(FIELD_WEIGHTS[0], ident.split()), (FIELD_WEIGHTS[1], title.split()), (FIELD_WEIGHTS[2], body.split())]
    score = 0.0
    for group in query.groups:
        terms = set(group)
        score += sum(weight * sum(1 for term in words if term in terms) for weight, words in fields)
    return score / (1 + math.log(max(1, sum(len(words) for _weight, words in fields))))


class SqliteBackend:
    """FTS5 walks the doclists newest first (rowid descending), the query's words and the user's
    scope words together, so it reads only documents in scope; the rule is tested on those."""

    name = "sqlite-fts5"

    def _matching(self, fts_query: str, *columns):
        return (select(*columns)
                .select_from(_fts.join(SearchDocument, SearchDocument.id == _fts.c.rowid))
                .where(text("search_fts MATCH :fts_query").bindparams(fts_query=fts_query)))

    def newest(self, session, query, scope, scope_words, kinds, n: int) -> list[int]:
        stmt = self._matching(query.fts5(scope_words), SearchDocument.id).where(scope)
        if kinds is not None:
            stmt = stmt.where(SearchDocument.kind.in_(kinds))
        return list(session.execute(stmt.order_by(_fts.c.rowid.desc()).limit(n)).scalars())

    def ranked(self, session, query, ids: list[int], limit: int):
        # Scored from the documents' own fields rather than by bm25(): its statistics read every
        # match of each word in the table (20–40 ms for a common word), for each query.
        rows = session.execute(select(SearchDocument.id, SearchDocument.kind, SearchDocument.record_id,
                                      SearchDocument.ident, SearchDocument.title, SearchDocument.body)
                               .where(SearchDocument.id.in_(ids))).all()
        scored = sorted(((row.id, Ranked(row.kind, row.record_id, field_score(query, row.ident, row.title, row.body)))
                         for row in rows), key=lambda item: (-item[1].score, -item[0]))
        return [hit for _id, hit in scored[:limit]]


class PostgresBackend:
    """A rare word is read from the GIN index; a common one by walking each scope branch's
    (column, id) index backwards until enough match — the planner picks by the tsvector's
    statistics, so each branch is its own ordered, limited query, and their union is cut again."""

    name = "postgresql-tsvector"
    tsv = literal_column("search_document.tsv")

    def _tsquery(self, query, scope_words=None):
        return cast(bindparam("ts_query", query.tsquery(scope_words)), TSQUERY)

    def newest(self, session, query, branches: dict, scope_words, kinds, n: int) -> list[int]:
        # A bounded lookup: JIT compilation (for plans the estimates call costly) costs more than it saves.
        session.execute(text("SET LOCAL jit = off"))
        walk = self._every_group_common(session, query)
        match = self.tsv.op("@@")(self._tsquery(query, scope_words))

        def part(*conditions):
            stmt = select(SearchDocument.id).where(match, *conditions)
            # A common word: each branch walked newest first, stopping at n; a rarer one: read
            # from the GIN index whole (a few hundred at most), never a walk that finds nothing.
            return stmt.order_by(SearchDocument.id.desc()).limit(n) if walk else stmt

        parts = []
        records = [kind for kind in ("enquiry", "call") if kind in branches and (kinds is None or kind in kinds)]
        if records and all(branches[kind] == [true()] for kind in records):  # everything: one walk
            parts.append(part(SearchDocument.kind.in_(records)))
        else:
            for kind in records:
                parts.extend(part(SearchDocument.kind == kind, branch) for branch in branches[kind])
        if "caller" in branches and (kinds is None or "caller" in kinds):
            # Caller cards hold names, phones and addresses only, which the planner cannot tell
            # from the questions' words: read them from their own partial GIN index, unwalked.
            parts.append(select(SearchDocument.id).where(match, SearchDocument.kind == "caller",
                                                         or_(*branches["caller"])))
        if not parts:
            return []
        merged = union(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        return list(session.execute(select(merged.c.id).order_by(merged.c.id.desc()).limit(n)).scalars())

    def _every_group_common(self, session, query) -> bool:
        """Whether every group of the query has a term in a large share of the documents, by
        PostgreSQL's own statistics of the tsvector (its most common elements)."""
        frequent = _common_terms(session)
        return all(any(frequent.get(term, 0.0) >= COMMON_SHARE for term in group) for group in query.groups)

    def ranked(self, session, query, ids: list[int], limit: int):
        # Normalisation 1: divided by 1 + log(length), so a short caller card beats a long letter.
        score = func.ts_rank(self.tsv, self._tsquery(query), 1)
        stmt = (select(SearchDocument.kind, SearchDocument.record_id, score.label("score"))
                .where(SearchDocument.id.in_(ids)).order_by(score.desc(), SearchDocument.id.desc()).limit(limit))
        return session.execute(stmt).all()


def backend_for(session):
    return PostgresBackend() if session.get_bind().dialect.name == "postgresql" else SqliteBackend()


def matching_records(session, query, kind: str):
    """A SELECT of the record ids of `kind` whose documents match `query` (for list filters)."""
    if session.get_bind().dialect.name == "postgresql":
        tsquery = cast(bindparam("list_ts_query", query.tsquery()), TSQUERY)
        return select(SearchDocument.record_id).where(
            SearchDocument.kind == kind, literal_column("search_document.tsv").op("@@")(tsquery))
    return (select(SearchDocument.record_id)
            .select_from(_fts.join(SearchDocument, SearchDocument.id == _fts.c.rowid))
            .where(text("search_fts MATCH :list_fts_query").bindparams(list_fts_query=query.fts5()),
                   SearchDocument.kind == kind))
