"""imports: browser imports with their progress, and the keys of rows already imported

Revision ID: i14_imports
Revises: i14_public_faq
"""
from alembic import op
import sqlalchemy as sa


revision = "i14_imports"
down_revision = "i14_public_faq"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("calls", "faq", name="import_kind", native_enum=False, length=24), nullable=False),
        sa.Column("status", sa.Enum("preview", "queued", "running", "done", "failed", "cancelled", name="import_status",
                                    native_enum=False, length=24), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_as", sa.String(length=64), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_import_job_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_table(
        "imported_row",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_imported_row")),
    )


def downgrade():
    op.drop_table("imported_row")
    op.drop_table("import_job")
