"""attachments: stored files by content hash, and the attachments of enquiries

Revision ID: i11b_attachments
Revises: i13a_audit
"""
from alembic import op
import sqlalchemy as sa


revision = "i11b_attachments"
down_revision = "i13a_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("sha256", name=op.f("uq_stored_file_sha256")),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source", sa.Enum("staff", "public", "email", name="attachment_source", native_enum=False,
                                    length=24), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_attachment_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiry.id"], name=op.f("fk_attachment_enquiry_id_enquiry")),
        sa.ForeignKeyConstraint(["stored_file_id"], ["stored_file.id"],
                                name=op.f("fk_attachment_stored_file_id_stored_file")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_enquiry_id"), ["enquiry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_stored_file_id"), ["stored_file_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_stored_file_id"))
        batch_op.drop_index(batch_op.f("ix_attachment_enquiry_id"))
    op.drop_table("attachment")
    op.drop_table("stored_file")
