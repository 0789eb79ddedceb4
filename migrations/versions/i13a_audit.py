"""The audit log people can read: the ids a list or search showed, an index by person, and on
PostgreSQL a trigger that refuses UPDATE and DELETE except for the audit's own retention job.

Revision ID: i13a_audit
Revises: i13b_call_partner_key
"""
import sqlalchemy as sa
from alembic import op

revision = "i13a_audit"
down_revision = "i13b_call_partner_key"
branch_labels = None
depends_on = None


GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('hotline.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entry rows are never updated or deleted (only the audit retention job deletes)'
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
GUARD_TRIGGER = ("CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON audit_entry "
                 "FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()")


def upgrade():
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("object_ids", sa.Text(), nullable=True))
        batch_op.create_index("ix_audit_actor_created", ["actor_id", "created_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD_FUNCTION)
        op.execute(GUARD_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_guard ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_guard()")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_actor_created")
        batch_op.drop_column("object_ids")
