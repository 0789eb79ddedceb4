"""A dropped call needs no topic (issue 16): call.topic_id may be NULL.

On SQLite the column change rebuilds the `call` table, which would take its triggers with it (and
trip over the enquiry triggers that read from it): every trigger is kept aside and made again, as
it was, after the rebuild.

Revision ID: i16_dropped_call_topic
Revises: i15_daily_stats
"""
import sqlalchemy as sa
from alembic import op

revision = "i16_dropped_call_topic"
down_revision = "i15_daily_stats"
branch_labels = None
depends_on = None


def _set_nullable(nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("call", "topic_id", existing_type=sa.Integer(), nullable=nullable)
        return
    triggers = bind.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _sql in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.alter_column("topic_id", existing_type=sa.Integer(), nullable=nullable)
    for _name, sql in triggers:
        op.execute(sql)


def upgrade():
    _set_nullable(True)


def downgrade():
    # The old schema has no call without a topic: give those calls the first topic.
    op.execute('UPDATE "call" SET topic_id = (SELECT MIN(id) FROM topic) WHERE topic_id IS NULL')
    _set_nullable(False)
