"""Failed sign-ins, counted per (login, address) and per address, and the delay they earn
(SPEC 10: a progressive delay, never a hard lock a stranger can trigger)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class LoginThrottle(db.Model):
    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("login", "address", name="uq_login_throttle_login_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The login as typed (lowercased), known or not; "" for the row that counts the address alone.
    login: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delayed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
