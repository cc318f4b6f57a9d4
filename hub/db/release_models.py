"""ORM models of software updates (hub/releases, docs/fleet.md): releases, rollouts and each
terminal's part in a rollout.

Imported at the end of ``hub.db.models`` (like ``alert_models``) so Alembic sees them. The
version a terminal *runs* is not here: its status says it (``devices.software_version``).
"""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class Release(Base):
    """A version of the terminal software the hub can hand out: its file and manifest."""

    __tablename__ = "releases"
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))  # wheel | bundle
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    # The message contract version it speaks (contract.CONTRACT_VERSION in the release).
    contract_version: Mapped[int] = mapped_column(Integer)
    requires_python: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(100))


class Rollout(Base):
    """Handing one release to a set of terminals: canaries first, then the rest in batches.

    ``state``: ``canary`` (only the canaries get it), ``rolling`` (everyone, at most
    ``batch_size`` at a time), ``halted`` (a terminal failed or rolled back, or an operator
    halted it: nothing more is sent), ``completed`` (every target is done).
    ``failures_accepted``: failed targets an operator promoted past; only more halt it again.
    """

    __tablename__ = "rollouts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(ForeignKey("releases.version"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    canary_size: Mapped[int] = mapped_column(Integer)
    batch_size: Mapped[int] = mapped_column(Integer)
    # Promote by itself once every canary is healthy (False: wait for 'promote').
    auto_promote: Mapped[bool] = mapped_column(Boolean)
    # The new version's time to connect and report after its restart (sent to terminals),
    # and how long the hub waits for a terminal's outcome after sending the command.
    health_timeout_s: Mapped[float] = mapped_column(Float)
    reply_timeout_s: Mapped[float] = mapped_column(Float)
    failures_accepted: Mapped[int] = mapped_column(Integer, default=0)
    halted_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_rollouts_state", "state"),)


class RolloutDevice(Base):
    """One terminal in a rollout: where it is, and the token its download URL carries.

    ``state``: ``pending`` (not sent yet), ``sent``, then what the terminal reported
    (``accepted``, ``installed``, ``healthy``, ``failed``, ``rolled_back``), ``timed_out``
    (no outcome within the reply timeout), or ``skipped`` (it ran the version already, or
    its updates are off). Only the SHA-256 of the download token is kept.
    """

    __tablename__ = "rollout_devices"
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    canary: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))
    from_version: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    send_count: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[datetime | None]  # the terminal's time of its newest report
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_rollout_devices_device", "device_id"),)
