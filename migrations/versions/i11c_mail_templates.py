"""mail templates: admins' edits of the letters to residents

Revision ID: i11c_mail_templates
Revises: i11b_attachments
"""
from alembic import op
import sqlalchemy as sa


revision = "i11c_mail_templates"
down_revision = "i11b_attachments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("part", sa.String(length=5), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"], name=op.f("fk_mail_template_updated_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_template")),
        sa.UniqueConstraint("letter", "language", "part", name=op.f("uq_mail_template_letter")),
    )


def downgrade():
    op.drop_table("mail_template")
