"""59-FZ appeals: the registration moment and the watch's mark for the warning before the legal
deadline; a partial index over the (few) formal appeals.

Appeals marked before this revision are taken as registered when they were marked (their trail's
"formal-appeal" entry), else at receipt.

Revision ID: i15_appeals
Revises: i15_first_response
"""
import sqlalchemy as sa
from alembic import op

revision = "i15_appeals"
down_revision = "i15_first_response"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enquiry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("legal_warned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_enquiry_formal_appeal", "enquiry", ["registered_at"], unique=False,
                    sqlite_where=sa.text("formal_appeal = 1"), postgresql_where=sa.text("formal_appeal"))
    op.execute("UPDATE enquiry SET registered_at = COALESCE((SELECT MIN(ev.created_at) FROM enquiry_event ev "
               "WHERE ev.enquiry_id = enquiry.id AND ev.kind = 'formal-appeal'), created_at) WHERE formal_appeal")


def downgrade():
    op.drop_index("ix_enquiry_formal_appeal", table_name="enquiry")
    with op.batch_alter_table("enquiry", schema=None) as batch_op:
        batch_op.drop_column("legal_warned_at")
        batch_op.drop_column("registered_at")
