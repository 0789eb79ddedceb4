"""Sign-in: a session version per user (sign-out and a new password end sessions server-side),
failed sign-ins per (login, address) and per address instead of a per-account lock.

Revision ID: i13b_sign_in
Revises: i11a_delivery
"""
import sqlalchemy as sa
from alembic import op

revision = "i13b_sign_in"
down_revision = "i11a_delivery"
branch_labels = None
depends_on = None


def _drop_user_column(name: str) -> None:
    # SQLite (3.35+) drops a plain column in place; a batch copy of user_account, which every
    # other table points at, would go through DROP TABLE under foreign_keys=ON.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE user_account DROP COLUMN {name}")
    else:
        op.drop_column("user_account", name)


def upgrade():
    op.add_column("user_account", sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))
    _drop_user_column("failed_logins")
    _drop_user_column("locked_until")
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delayed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("login", "address", name="uq_login_throttle_login_address"),
    )


def downgrade():
    op.drop_table("login_throttle")
    op.add_column("user_account", sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
    op.add_column("user_account", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    _drop_user_column("session_version")
