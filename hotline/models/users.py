"""People who sign in and their roles (their API tokens are in tokens.py)."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class Role(enum.Enum):
    OPERATOR = "operator"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's user id: raising it (sign-out, a new password) ends every session.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Ties in routing go to the coordinator assigned longest ago (SPEC 5.2).
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The operator's phone extension: the phone system's answeringNumber finds them by it (SPEC 8.4).
    extension: Mapped[str | None] = mapped_column(String(32), unique=True)

    memberships: Mapped[list["GroupMember"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot sign in
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Every session cookie issued so far stops working (checked on each request)."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        if self.id is not None:
            self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def display_name(self) -> str:
        return self.name or self.login
