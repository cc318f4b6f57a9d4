"""ORM models of issue 10's people-and-tokens work: the audit log and refresh tokens.

Imported at the end of ``hub.db.models`` (like ``alert_models``) so Alembic sees them.
Created by migration 0014_auth_refresh_and_audit.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class AuditEntry(Base):
    """One administrative action: who did what to what, when and from where.

    Append-only: nothing in the hub updates or deletes these rows. ``actor`` and ``target``
    are plain strings (not foreign keys) so that the log outlives the users it names.
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)  # "user:ann", "cli", ...
    action: Mapped[str] = mapped_column(String(63), index=True)  # "user.deactivate", ...
    target: Mapped[str] = mapped_column(String(200), index=True)  # "user:bob", "token:12", ...
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))  # the client's IP address


class RefreshToken(Base):
    """A refresh token (stored as its SHA-256 hash). Each use replaces it with a new one in
    the same ``family``; using a replaced one again revokes the whole family (theft)."""

    __tablename__ = "refresh_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(36), index=True)  # one sign-in's chain
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # each rotation gives the new token a full lifetime
    used_at: Mapped[datetime | None]  # replaced by a newer token of the family
    revoked_at: Mapped[datetime | None]
    # The access token issued with this refresh token, revoked with its family.
    access_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
