"""The deadline watch's marks on the enquiry: warned and breached, each set once.

Marks for warnings and escalations already given (by the per-enquiry jobs this replaces) are taken
from the notifications, so the first run of the watch does not tell them again.

Revision ID: i15_deadline_watch
Revises: i12_telephony
"""
import sqlalchemy as sa
from alembic import op

revision = "i15_deadline_watch"
down_revision = "i12_telephony"
branch_labels = None
depends_on = None

MARKS = {"sla_warned_at": "sla-warning", "sla_breached_at": "sla-breach"}


def upgrade():
    with op.batch_alter_table("enquiry", schema=None) as batch_op:
        for column in MARKS:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    for column, kind in MARKS.items():
        op.execute(f"UPDATE enquiry SET {column} = (SELECT MIN(n.created_at) FROM notification n "
                   f"WHERE n.enquiry_id = enquiry.id AND n.kind = '{kind}') WHERE {column} IS NULL")


def downgrade():
    with op.batch_alter_table("enquiry", schema=None) as batch_op:
        for column in MARKS:
            batch_op.drop_column(column)
