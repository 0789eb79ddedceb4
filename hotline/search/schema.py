"""The full-text structure over `search_document`, in each database's own terms: on SQLite an
external-content FTS5 table kept by triggers; on PostgreSQL a generated, weighted `tsvector`
column with a GIN index; both over the scope words too. Created with the table (tests,
`db.create_all`) and by the migrations `i14_search` and `i14_search_scope_words`, which carry their
own copies of these statements."""
from __future__ import annotations

from sqlalchemy import DDL, event

from ..models import SearchDocument

SQLITE_CREATE = (
    "DROP TABLE IF EXISTS search_fts",
    "CREATE VIRTUAL TABLE search_fts USING fts5(ident, title, body, scope, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, ident, title, body, scope) "
    "VALUES (new.id, new.ident, new.title, new.body, new.scope); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, ident, title, body, scope) "
    "VALUES ('delete', old.id, old.ident, old.title, old.body, old.scope); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE OF ident, title, body, scope ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, ident, title, body, scope) "
    "VALUES ('delete', old.id, old.ident, old.title, old.body, old.scope); "
    "INSERT INTO search_fts(rowid, ident, title, body, scope) "
    "VALUES (new.id, new.ident, new.title, new.body, new.scope); END",
)
SQLITE_DROP = ("DROP TABLE IF EXISTS search_fts",)

# The scope words weigh D: the search's queries name them only in a scope group of their own, and
# its words only in A, B and C (hotline/search/analysis.py), so neither finds the other.
POSTGRESQL_CREATE = (
    "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, ident), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, title), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, scope), 'D')) STORED",
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
    "CREATE INDEX ix_search_document_caller_tsv ON search_document USING gin (tsv) WHERE kind = 'caller'",
)

for statement in SQLITE_CREATE:
    event.listen(SearchDocument.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in SQLITE_DROP:
    event.listen(SearchDocument.__table__, "after_drop", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRESQL_CREATE:
    event.listen(SearchDocument.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's comparison: the FTS5 table (and its shadow tables) and the generated
    `tsv` column are the database's own structures over `search_document`, not models."""
    if type_ == "table" and reflected and name and name.startswith("search_fts"):
        return False
    if type_ == "column" and reflected and name == "tsv" and getattr(obj, "table", None) is not None \
            and obj.table.name == "search_document":
        return False
    if type_ == "index" and reflected and name in ("ix_search_document_tsv", "ix_search_document_caller_tsv"):
        return False
    return True
