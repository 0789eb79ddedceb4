"""search: the scope indexes lead with the document's kind (each visibility branch one index walk)

Revision ID: i14_search_scope
Revises: i15_faq_match
"""
from alembic import op


revision = "i14_search_scope"
down_revision = "i15_faq_match"
branch_labels = None
depends_on = None

COLUMNS = ("operator_id", "created_by_id", "assignee_id", "topic_id", "group_id")


def upgrade():
    for column in COLUMNS:
        name = f"ix_search_document_{column}"
        op.drop_index(name, table_name="search_document")
        op.create_index(name, "search_document", ["kind", column, "id"])


def downgrade():
    for column in COLUMNS:
        name = f"ix_search_document_{column}"
        op.drop_index(name, table_name="search_document")
        op.create_index(name, "search_document", [column, "id"])
