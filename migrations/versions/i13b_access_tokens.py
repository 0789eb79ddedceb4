"""One hashed-token model: API tokens, Open311 partner keys and CTI tokens in `access_token`
(the rows of `api_token` move over as kind 'api').

Revision ID: i13b_access_tokens
Revises: e803e0658ec3
"""
import sqlalchemy as sa
from alembic import op

revision = "i13b_access_tokens"
down_revision = "e803e0658ec3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("api", "open311", "cti", name="token_kind", native_enum=False, length=24),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_access_token_user_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_access_token_created_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_token_token_hash")),
    )
    with op.batch_alter_table("access_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_token_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_access_token_kind_name", ["kind", "name"], unique=False)
    op.execute("INSERT INTO access_token (id, kind, user_id, token_hash, prefix, created_at, revoked_at) "
               "SELECT id, 'api', user_id, token_hash, prefix, created_at, revoked_at FROM api_token")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('access_token', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM access_token), 0) + 1, false)")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
    op.drop_table("api_token")


def downgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)
    op.execute("INSERT INTO api_token (id, user_id, token_hash, prefix, created_at, revoked_at) "
               "SELECT id, user_id, token_hash, substr(prefix, 1, 12), created_at, revoked_at FROM access_token "
               "WHERE kind = 'api' AND user_id IS NOT NULL")
    with op.batch_alter_table("access_token", schema=None) as batch_op:
        batch_op.drop_index("ix_access_token_kind_name")
        batch_op.drop_index(batch_op.f("ix_access_token_user_id"))
    op.drop_table("access_token")
