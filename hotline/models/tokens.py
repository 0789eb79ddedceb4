"""Secrets that let other programs in, one model for all of them: a staff user's API tokens, Open311
partner keys and CTI integration tokens (`kind`). Only a sha256 of each secret is stored (a 256-bit
random token needs no slow hash, and a lookup stays one index probe); the secret is shown once."""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class TokenKind(enum.Enum):
    API = "api"            # Authorization: Bearer, acts as its user
    OPEN311 = "open311"    # a partner's api_key for /open311/v2, named after the partner
    CTI = "cti"            # a phone system's /cti/{token}, named after the integration


class AccessToken(db.Model):
    __tablename__ = "access_token"
    __table_args__ = (Index("ix_access_token_kind_name", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind, "token_kind"), default=TokenKind.API)
    # API tokens belong to a user; partner keys and CTI tokens to a name (the partner, the PBX).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def state(self) -> str:
        """live | expired | revoked, for the admin pages."""
        if self.revoked_at is not None:
            return "revoked"
        return "live" if self.is_live() else "expired"


# The name the API token model had before partner keys and CTI tokens joined it.
ApiToken = AccessToken
