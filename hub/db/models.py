"""ORM models. The schema itself is owned by Alembic migrations (hub/migrations).

All timestamps are stored as UTC (``UtcDateTime`` makes SQLite hand them back
time-zone aware). Ids of organisation objects are the slugs from the terminal
configuration files, so MQTT topics, YAML and the API use the same names.
"""

from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and returns them aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


# -- organisation -------------------------------------------------------------


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class SiteHoliday(Base):
    __tablename__ = "site_holidays"
    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class Building(Base):
    __tablename__ = "buildings"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Floor(Base):
    __tablename__ = "floors"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    building_id: Mapped[str] = mapped_column(ForeignKey("buildings.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer, default=0)


class Room(Base):
    __tablename__ = "rooms"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    floor_id: Mapped[str] = mapped_column(ForeignKey("floors.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # meeting_room | desk_area
    capacity: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    # None: a shared space, visible to facilities staff of every department.
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"), index=True)
    work_start: Mapped[time] = mapped_column(Time)
    work_end: Mapped[time] = mapped_column(Time)
    work_days: Mapped[list[str]] = mapped_column(JSON)  # ["mon", ..., "fri"]


class Desk(Base):
    __tablename__ = "desks"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


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


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    # Other names people use, e.g. a Chinese name or a nickname, for matching in minutes.
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | facilities | member | display | device
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
