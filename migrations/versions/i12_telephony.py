"""telephony: CTI events as received, telephony calls, operators' extensions

Revision ID: i12_telephony
Revises: i11c_mail_templates
"""
from alembic import op
import sqlalchemy as sa


revision = "i12_telephony"
down_revision = "i11c_mail_templates"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("extension", sa.String(length=32), nullable=True))
        batch.create_unique_constraint(op.f("uq_user_account_extension"), ["extension"])
    op.create_table(
        "cti_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.String(length=250), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["access_token.id"], ondelete="SET NULL",
                                name=op.f("fk_cti_event_integration_id_access_token")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cti_event")),
        sa.UniqueConstraint("call_id", "event", name="uq_cti_event_call_id_event"),
    )
    op.create_index(op.f("ix_cti_event_integration_id"), "cti_event", ["integration_id"])
    op.create_index(op.f("ix_cti_event_received_at"), "cti_event", ["received_at"])
    op.create_table(
        "telephony_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=250), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.Enum("in", "out", name="call_direction", native_enum=False, length=24),
                  nullable=False),
        sa.Column("from_number", sa.String(length=64), nullable=True),
        sa.Column("to_number", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("queue", sa.String(length=100), nullable=True),
        sa.Column("rang_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answering_number", sa.String(length=100), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=32), nullable=True),
        sa.Column("logged_call_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["access_token.id"], ondelete="SET NULL",
                                name=op.f("fk_telephony_call_integration_id_access_token")),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user_account.id"], ondelete="SET NULL",
                                name=op.f("fk_telephony_call_answered_by_id_user_account")),
        sa.ForeignKeyConstraint(["logged_call_id"], ["call.id"], ondelete="SET NULL",
                                name=op.f("fk_telephony_call_logged_call_id_call")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_call")),
        sa.UniqueConstraint("call_id", name=op.f("uq_telephony_call_call_id")),
    )
    op.create_index("ix_telephony_call_rang_at", "telephony_call", ["rang_at"])
    op.create_index("ix_telephony_call_answered_by_ended", "telephony_call", ["answered_by_id", "ended_at"])
    op.create_index(op.f("ix_telephony_call_phone"), "telephony_call", ["phone"])
    op.create_index(op.f("ix_telephony_call_logged_call_id"), "telephony_call", ["logged_call_id"])


def downgrade():
    op.drop_table("telephony_call")
    op.drop_table("cti_event")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("uq_user_account_extension"), type_="unique")
        batch.drop_column("extension")
