"""FAQ curation: the published entry that matched a routed call (recorded by the worker within a
minute of intake) and when it was looked at; FAQ uses by enquiry (for the feedback on answers).

Calls routed before this revision are marked as looked at, unmatched: the figure starts now.

Revision ID: i15_faq_match
Revises: i14_imports
"""
import sqlalchemy as sa
from alembic import op

revision = "i15_faq_match"
down_revision = "i14_imports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("faq_match_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("faq_checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_call_faq_match_id_faq_entry"), "faq_entry",
                                    ["faq_match_id"], ["id"], ondelete="SET NULL")
    op.execute("UPDATE \"call\" SET faq_checked_at = created_at WHERE outcome = 'routed'")
    op.create_index("ix_faq_use_enquiry", "faq_use", ["enquiry_id"], unique=False,
                    sqlite_where=sa.text("enquiry_id IS NOT NULL"), postgresql_where=sa.text("enquiry_id IS NOT NULL"))


def downgrade():
    op.drop_index("ix_faq_use_enquiry", table_name="faq_use")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_call_faq_match_id_faq_entry"), type_="foreignkey")
        batch_op.drop_column("faq_checked_at")
        batch_op.drop_column("faq_match_id")
