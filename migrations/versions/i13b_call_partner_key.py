"""The Open311 partner key a call came with.

Revision ID: i13b_call_partner_key
Revises: i13b_sign_in
"""
import sqlalchemy as sa
from alembic import op

revision = "i13b_call_partner_key"
down_revision = "i13b_sign_in"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_call_partner_key_id_access_token"), "access_token",
                                    ["partner_key_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_call_partner_key_id_access_token"), type_="foreignkey")
        batch_op.drop_column("partner_key_id")
