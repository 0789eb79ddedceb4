"""search: the staff search index (search_document) with SQLite FTS5 or a PostgreSQL tsvector

Revision ID: i14_search
Revises: i15_appeals

The index starts empty: `flask --app hotline search-reindex` builds it from the records.
"""
from alembic import op
import sqlalchemy as sa


revision = "i14_search"
down_revision = "i15_appeals"
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(ident, title, body, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
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
POSTGRESQL = (
    "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, ident), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, title), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'C')) STORED",
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
    "CREATE INDEX ix_search_document_caller_tsv ON search_document USING gin (tsv) WHERE kind = 'caller'",
)


def upgrade():
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("caller_id", sa.Integer(), nullable=True),
        sa.Column("enquiry_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("ident", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("kind", "record_id", name="uq_search_document_kind_record"),
    )
    op.create_index("ix_search_document_kind_id", "search_document", ["kind", "id"])
    op.create_index("ix_search_document_operator_id", "search_document", ["operator_id", "id"])
    op.create_index("ix_search_document_created_by_id", "search_document", ["created_by_id", "id"])
    op.create_index("ix_search_document_assignee_id", "search_document", ["assignee_id", "id"])
    op.create_index("ix_search_document_topic_id", "search_document", ["topic_id", "id"])
    op.create_index("ix_search_document_group_id", "search_document", ["group_id", "id"])
    op.create_index("ix_search_document_caller", "search_document", ["caller_id"])
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_document")
