"""What terminals report and the hub keeps: devices, status changes, ingest streams and ledgers,
occupancy changes, raw sensor events, the live state of spaces, dead letters."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base


class Device(Base):
    """A room terminal. Registered by importing its configuration file."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"), index=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    # Hub receipt time of the last message of any kind from this device.
    last_seen_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime | None]
    boot: Mapped[str | None] = mapped_column(String(64))
    software_version: Mapped[str | None] = mapped_column(String(64))
    config_version: Mapped[str | None] = mapped_column(String(64))
    # Newest event time (terminal clock) of any message from it: what the hub knows of the
    # space reaches this far, even while a spool replays old messages (hub/checkin).
    last_event_ts: Mapped[datetime | None]
    # Its configuration has a people counter (mmWave targets, thermal array, door beams): the
    # headcount bands it reports are then a sensor head count (hub.analytics.headcount).
    counts_people: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The spool's fill from its newest heartbeat (hub.ingest.devices.note_spool_fill); None:
    # never reported (no spool, or an older terminal).
    spool_fill: Mapped[dict[str, Any] | None]


class DeviceStatusChange(Base):
    """Online/offline transitions; offline spells are 'no data' for utilization."""

    __tablename__ = "device_status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    online: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (Index("ix_device_status_changes_device_at", "device_id", "at"),)


# -- ingest -------------------------------------------------------------------


class IngestedMessage(Base):
    """The ledger: every sequenced message stored exactly once per (device, boot, seq)."""

    __tablename__ = "ingested_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(63))
    boot: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    ts: Mapped[datetime]
    received_at: Mapped[datetime]
    stored_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("device_id", "boot", "seq", name="uq_ingested_device_boot_seq"),
    )


class IngestStream(Base):
    """Delivery state of one terminal boot: how far the ledger is contiguous, and any hole.

    ``through_seq`` is the watermark the hub acknowledges to the terminal: every seq from 1
    through it is stored, or was given up by the terminal (``GivenUpRange``).
    """

    __tablename__ = "ingest_streams"
    device_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    boot: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[str] = mapped_column(String(63))  # where its commands go
    through_seq: Mapped[int] = mapped_column(Integer, default=0)
    highest_seq: Mapped[int] = mapped_column(Integer, default=0)
    # When the current hole was first seen, and when a replay was last asked for.
    gap_since: Mapped[datetime | None]
    replay_requested_at: Mapped[datetime | None]
    replays_requested: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
    __table_args__ = (Index("ix_ingest_streams_open_gaps", "gap_since"),)


class GivenUpRange(Base):
    """Sequence numbers a terminal reported it gave up (``spool_gap``): not waited for."""

    __tablename__ = "given_up_ranges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(63))
    boot: Mapped[str] = mapped_column(String(64))
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    reported_at: Mapped[datetime]
    __table_args__ = (Index("ix_given_up_stream", "device_id", "boot", "last_seq"),)


class OccupancyChange(Base):
    __tablename__ = "occupancy_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_kind: Mapped[str] = mapped_column(String(8))  # room | desk
    space_id: Mapped[str] = mapped_column(String(63))
    occupied: Mapped[bool] = mapped_column(Boolean)
    ts: Mapped[datetime]
    device_id: Mapped[str] = mapped_column(String(63))
    boot: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    initial: Mapped[bool] = mapped_column(Boolean, default=False)
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    # From a terminal with occupancy fusion (docs/fusion.md); None from one without. A repeat
    # of ``occupied`` with another band is a band change, not a change of state.
    probability: Mapped[float | None] = mapped_column(Float)
    band: Mapped[int | None] = mapped_column(Integer)  # None: occupied, number unknown
    band_top: Mapped[int | None] = mapped_column(Integer)  # band == band_top: "or more"
    band_confidence: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (Index("ix_occupancy_changes_space_ts", "space_kind", "space_id", "ts"),)


class SensorEvent(Base):
    """Raw sensor transitions (door opened, motion), kept for explanations and fusion."""

    __tablename__ = "sensor_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(63))
    sensor_id: Mapped[str] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean)
    ts: Mapped[datetime]
    __table_args__ = (Index("ix_sensor_events_device_ts", "device_id", "ts"),)


class SpaceState(Base):
    """Live state of each room and desk: the latest change by device timestamp."""

    __tablename__ = "space_states"
    space_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    occupied: Mapped[bool] = mapped_column(Boolean)
    # Device time when the current value began.
    since: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Device time of the newest change applied. Later than ``since`` when a change repeated
    # the value (a terminal's initial report after a restart); a late-arriving change older
    # than this must not move the state. None: the state came from a heartbeat snapshot.
    last_change_ts: Mapped[datetime | None]
    # The fused estimate behind the state (terminals with occupancy fusion; None without),
    # from the newest occupancy message or heartbeat, and its device time (``estimated_at``).
    probability: Mapped[float | None] = mapped_column(Float)
    band: Mapped[int | None] = mapped_column(Integer)
    band_top: Mapped[int | None] = mapped_column(Integer)
    band_confidence: Mapped[float | None] = mapped_column(Float)
    signals: Mapped[list[str] | None] = mapped_column(JSON)
    estimated_at: Mapped[datetime | None]


class DeadLetter(Base):
    """A message the hub could not use, kept whole so nothing is lost."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text)


# -- people and access --------------------------------------------------------
