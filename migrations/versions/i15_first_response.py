"""First response (SPEC 7): its 80 % warning moment, its business time, the watch's marks.

Enquiries created before this revision have no warning moment (only the escalation at
first_response_due_at watches them); their business time is left empty.

Revision ID: i15_first_response
Revises: i15_deadline_watch
"""
import sqlalchemy as sa
from alembic import op

revision = "i15_first_response"
down_revision = "i15_deadline_watch"
branch_labels = None
depends_on = None

COLUMNS = ("first_response_warn_at", "first_response_warned_at", "first_response_breached_at")


def upgrade():
    with op.batch_alter_table("enquiry", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("first_response_business_seconds", sa.Float(), nullable=True))
        batch_op.create_index("ix_enquiry_first_response_at", ["first_response_at"], unique=False)
    # The first-response watch starts now: targets already missed before it existed are not
    # escalated in one burst by its first run (the statistics count them all the same).
    now = sa.func.now()
    enquiry = sa.table("enquiry", sa.column("first_response_due_at"), sa.column("first_response_at"),
                       sa.column("first_response_warned_at"), sa.column("first_response_breached_at"))
    op.execute(enquiry.update()
               .where(enquiry.c.first_response_at.is_(None), enquiry.c.first_response_due_at < now)
               .values(first_response_warned_at=enquiry.c.first_response_due_at,
                       first_response_breached_at=enquiry.c.first_response_due_at))


def downgrade():
    with op.batch_alter_table("enquiry", schema=None) as batch_op:
        batch_op.drop_index("ix_enquiry_first_response_at")
        batch_op.drop_column("first_response_business_seconds")
        for column in COLUMNS:
            batch_op.drop_column(column)
