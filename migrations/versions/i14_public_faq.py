"""public FAQ: the residents' «did this answer your question?» votes

Revision ID: i14_public_faq
Revises: i14_search
"""
from alembic import op
import sqlalchemy as sa


revision = "i14_public_faq"
down_revision = "i14_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "faq_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["faq_entry.id"], name=op.f("fk_faq_vote_entry_id_faq_entry"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_vote")),
    )
    op.create_index("ix_faq_vote_entry_created", "faq_vote", ["entry_id", "created_at"])
    op.create_index(op.f("ix_faq_vote_created_at"), "faq_vote", ["created_at"])


def downgrade():
    op.drop_table("faq_vote")
