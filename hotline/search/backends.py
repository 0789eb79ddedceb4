"""The two full-text backends behind one interface: count the visible matches up to a cap, and
rank them inside the index with a LIMIT. Both take the same SQLAlchemy conditions over
`SearchDocument` (scope, kind, a recency floor on the document id), so the visibility rule is a
filter the index query applies, never a pass over its results."""
from __future__ import annotations

from sqlalchemy import bindparam, cast, column, func, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import TSQUERY

from ..models import SearchDocument

# Field weights: what identifies a record (reference, phone, name) over its question over the rest.
FTS5_WEIGHTS = "10.0, 3.0, 1.0"

_fts = table("search_fts", column("rowid"))


class SqliteBackend:
    name = "sqlite-fts5"

    def _matching(self, query, *columns):
        return (select(*columns)
                .select_from(_fts.join(SearchDocument, SearchDocument.id == _fts.c.rowid))
                .where(text("search_fts MATCH :fts_query").bindparams(fts_query=query.fts5())))

    def count(self, session, query, conditions, cap: int) -> int:
        inner = self._matching(query, SearchDocument.id).where(*conditions).limit(cap).subquery()
        return session.execute(select(func.count()).select_from(inner)).scalar_one()

    def ranked(self, session, query, conditions, limit: int, floor: int | None = None):
        # bm25() is smaller for better matches; the score handed on is larger for better ones.
        score = literal_column(f"bm25(search_fts, {FTS5_WEIGHTS})")
        stmt = self._matching(query, SearchDocument.kind, SearchDocument.record_id, (-score).label("score")) \
            .where(*conditions)
        if floor:
            stmt = stmt.where(_fts.c.rowid >= floor)
        return session.execute(stmt.order_by(score, SearchDocument.id.desc()).limit(limit)).all()


class PostgresBackend:
    name = "postgresql-tsvector"
    tsv = literal_column("search_document.tsv")

    def _tsquery(self, query):
        return cast(bindparam("ts_query", query.tsquery()), TSQUERY)

    def count(self, session, query, conditions, cap: int) -> int:
        inner = (select(SearchDocument.id).where(self.tsv.op("@@")(self._tsquery(query)), *conditions)
                 .limit(cap).subquery())
        return session.execute(select(func.count()).select_from(inner)).scalar_one()

    def ranked(self, session, query, conditions, limit: int, floor: int | None = None):
        tsquery = self._tsquery(query)
        # Normalisation 1: divided by 1 + log(length), so a short caller card beats a long letter.
        score = func.ts_rank(self.tsv, tsquery, 1)
        stmt = (select(SearchDocument.kind, SearchDocument.record_id, score.label("score"))
                .where(self.tsv.op("@@")(tsquery), *conditions))
        if floor:
            stmt = stmt.where(SearchDocument.id >= floor)
        return session.execute(stmt.order_by(score.desc(), SearchDocument.id.desc()).limit(limit)).all()


def backend_for(session):
    return PostgresBackend() if session.get_bind().dialect.name == "postgresql" else SqliteBackend()
