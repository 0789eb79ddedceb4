"""search: the scope columns also indexed as words (search_document.scope), so the full-text index
keeps a user's documents while it reads the matches (a scoped common word walked thousands)

Revision ID: i14_search_scope_words
Revises: i17_stats_narrow_grains

The words are written here by SQL for the documents there are, as `visibility.document_scope`
writes them for new ones (tests/test_search.py checks the two agree); `search-reindex` rebuilds
the same.
"""
from alembic import op
import sqlalchemy as sa


revision = "i14_search_scope_words"
down_revision = "i17_stats_narrow_grains"
branch_labels = None
depends_on = None

_PREFIX = "(CASE kind WHEN 'enquiry' THEN 'se' WHEN 'call' THEN 'sc' ELSE 'sp' END)"


def _key(condition: str, text: str) -> str:
    return f"(CASE WHEN {condition} THEN {text} ELSE '' END)"


def _linked(column: str, short: str) -> str:
    linked = f"kind IN ('enquiry', 'call') AND enquiry_id IS NOT NULL AND {column} IS NOT NULL"
    whole = _key(linked, f"' ' || {_PREFIX} || '{short}' || {column}")
    if short == "as":
        return whole
    return whole + " || " + _key(f"{linked} AND city_id IS NOT NULL",
                                 f"' ' || {_PREFIX} || '{short}' || {column} || 'c' || city_id")


SCOPE_SQL = " || ".join([
    _PREFIX,
    _key("kind = 'call' AND operator_id IS NOT NULL", "' scop' || operator_id"),
    _key("kind = 'enquiry' AND created_by_id IS NOT NULL", "' secb' || created_by_id"),
    _linked("assignee_id", "as"), _linked("group_id", "gr"), _linked("topic_id", "tp"),
])

SQLITE_TRIGGERS = ("search_document_ai", "search_document_ad", "search_document_au")
SQLITE_OLD = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(ident, title, body, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, ident, title, body) VALUES (new.id, new.ident, new.title, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, ident, title, body) "
    "VALUES ('delete', old.id, old.ident, old.title, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE OF ident, title, body ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, ident, title, body) "
    "VALUES ('delete', old.id, old.ident, old.title, old.body); "
    "INSERT INTO search_fts(rowid, ident, title, body) VALUES (new.id, new.ident, new.title, new.body); END",
)
SQLITE_NEW = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(ident, title, body, scope, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
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

_TSV = ("ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple'::regconfig, ident), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, title), 'B') || "
        "setweight(to_tsvector('simple'::regconfig, body), 'C')")
POSTGRESQL_INDEXES = (
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
    "CREATE INDEX ix_search_document_caller_tsv ON search_document USING gin (tsv) WHERE kind = 'caller'",
)
POSTGRESQL_OLD = (_TSV + ") STORED", *POSTGRESQL_INDEXES)
POSTGRESQL_NEW = (_TSV + " || setweight(to_tsvector('simple'::regconfig, scope), 'D')) STORED",
                  *POSTGRESQL_INDEXES)


def _rebuild(with_scope: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("ALTER TABLE search_document DROP COLUMN tsv")  # its GIN indexes with it
    if with_scope:
        op.add_column("search_document", sa.Column("scope", sa.Text(), nullable=False, server_default=""))
        op.execute(f"UPDATE search_document SET scope = {SCOPE_SQL}")
    else:
        op.execute("ALTER TABLE search_document DROP COLUMN scope")
    for statement in (SQLITE_NEW if with_scope else SQLITE_OLD) if sqlite else \
            (POSTGRESQL_NEW if with_scope else POSTGRESQL_OLD):
        op.execute(statement)


def upgrade():
    _rebuild(with_scope=True)


def downgrade():
    _rebuild(with_scope=False)
