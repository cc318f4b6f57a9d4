"""ORM models. The schema itself is owned by Alembic migrations (hub/migrations).

All timestamps are stored as UTC (``UtcDateTime`` makes SQLite hand them back
time-zone aware). Ids of organisation objects are the slugs from the terminal
configuration files, so MQTT topics, YAML and the API use the same names.
"""

from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.sealing.dead_letters import room_of_topic
from hub.sealing.fields import BYTES, Sealed, listen_for_loads
from hub.sealing.keys import DEAD_LETTERS_SCOPE


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
    # Newest event time (terminal clock) of any message from it: what the hub knows of the
    # space reaches this far, even while a spool replays old messages (hub/checkin).
    last_event_ts: Mapped[datetime | None]
    # Its configuration has a people counter (mmWave targets, thermal array, door beams): the
    # headcount bands it reports are then a sensor head count (hub.analytics.headcount).
    counts_people: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The spool's fill from its newest heartbeat (hub.ingest.devices.note_spool_fill); None:
    # never reported (no spool, or an older terminal).
    spool_fill: Mapped[dict[str, Any] | None]
    # Broker credentials issued by 'python -m hub devices provision' (hub/devices): when,
    # which kind (password | certificate), the client certificate's serial (hex), and when
    # they were revoked; ingest dead-letters a revoked device's messages (device_revoked).
    provisioned_at: Mapped[datetime | None]
    credential: Mapped[str | None] = mapped_column(String(16))
    cert_serial: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]


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
    """A message the hub could not use, kept whole so nothing is lost; sealed, since a
    refused transcript holds what was said (hub/sealing/dead_letters.py)."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(Text)
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Sealed[bytes] = Sealed(BYTES)
    # The meeting key that seals it: the session it names, else "dead-letters".
    key_scope: Mapped[str] = mapped_column(String(200), index=True, default=DEAD_LETTERS_SCOPE)
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text)

    def sealing_scope(self) -> tuple[str, str | None]:
        return self.key_scope or DEAD_LETTERS_SCOPE, room_of_topic(self.topic)


listen_for_loads(DeadLetter)


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
    # Argon2id hash for the web dashboard's sign-in (hub.auth.passwords); None: tokens only.
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    # personal (API/CLI, for programs) | access (short-lived, POST /auth/token) | web (sign-in)
    kind: Mapped[str] = mapped_column(String(16), default="personal", server_default="personal")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


# -- bookings (issue 4) ---------------------------------------------------------


class Booking(Base):
    """A booking of a room or desk: one meeting, or a recurring series (``rrule``).

    ``starts_at``/``ends_at`` are the first occurrence. A series is expanded in the
    booking's own time zone (a weekly 09:00 stays 09:00 across daylight saving) into
    :class:`BookingOccurrence` rows up to a horizon, so conflicts, check-in and
    analytics are plain queries over occurrences.
    """

    __tablename__ = "bookings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_kind: Mapped[str] = mapped_column(String(8))  # room | desk
    space_id: Mapped[str] = mapped_column(String(63))
    # None only for bookings the hub made itself (auto-booking of an occupied room).
    organizer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    rrule: Mapped[str | None] = mapped_column(Text)  # RFC 5545 RRULE value, without "RRULE:"
    # Occurrence starts (UTC, ISO 8601) excluded from the series.
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Attendees that are not hub users (e-mail addresses or names from an imported calendar).
    external_attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16))  # api | ical | voice | display | auto
    # The iCalendar UID of an imported event: importing the same calendar again updates it.
    ical_uid: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    # Consecutive no-shows of a series; a check-in resets it (zombie detection).
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    flagged_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_bookings_space", "space_kind", "space_id"),)


class BookingAttendee(Base):
    __tablename__ = "booking_attendees"
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class BookingOccurrence(Base):
    """One occurrence of a booking, with what happened to it.

    ``state``: ``booked`` (not started, or within its check-in window), ``checked_in``,
    ``released`` (a no-show, an abandoned meeting, or released by a person: see
    ``release_reason``), ``cancelled``, ``ended`` (held to its end). Times of check-in and
    release are *event* times (the terminal's clock for what sensors saw), not when the hub
    happened to learn of them.
    """

    __tablename__ = "booking_occurrences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    space_kind: Mapped[str] = mapped_column(String(8))
    space_id: Mapped[str] = mapped_column(String(63))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="booked")
    checked_in_at: Mapped[datetime | None]
    check_in_method: Mapped[str | None] = mapped_column(String(16))  # occupancy|voice|api|display
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(String(16))  # no_show|abandoned|manual
    # The meeting's sensor head count, for right-sizing: the highest headcount band held a
    # few minutes (hub.analytics.headcount), set while it is held; None when not measured.
    peak_people: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("booking_id", "starts_at", name="uq_occurrence_booking_start"),
        Index("ix_occurrences_space_time", "space_kind", "space_id", "starts_at"),
        Index("ix_occurrences_state_end", "state", "ends_at"),
    )


class BookingDecision(Base):
    """The audit trail: every decision on a booking, by the hub or a person, with its evidence.

    ``evidence`` lists what was seen and when (``[{"at": ..., "what": ..., ...}]``, event
    times); ``explanation`` says it in one sentence.
    """

    __tablename__ = "booking_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_occurrences.id", ondelete="CASCADE"), index=True
    )
    decided_at: Mapped[datetime]  # hub clock
    effective_at: Mapped[datetime]  # event time the decision takes effect from
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(63))  # "hub" or a user id
    explanation: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Notification(Base):
    """An outbox of notices to people (webhook and MQTT), written in the deciding transaction
    and delivered after the commit, with retries."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    booking_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    mqtt_sent_at: Mapped[datetime | None]
    webhook_done_at: Mapped[datetime | None]  # delivered, or no webhook to deliver to
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_notifications_pending", "webhook_done_at", "next_attempt_at"),)


class Webhook(Base):
    """Where a person's notices are POSTed, signed with HMAC-SHA256 over the body."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarFeed(Base):
    """A secret token that lets a calendar program read one space's bookings as an ICS feed."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_kind: Mapped[str] = mapped_column(String(8))
    space_id: Mapped[str] = mapped_column(String(63))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class TimeSeriesCursor(Base):
    """How far each kind of row has been written to the time-series server, so points it
    missed (server down longer than the client retries, or a hub restart) are backfilled."""

    __tablename__ = "timeseries_cursors"
    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


# -- analytics rollups (issue 4) --------------------------------------------------
# Pre-aggregated figures for the dashboards, maintained by hub.analytics.rollups
# (refresh_rollups). Durations are whole microseconds (``_us``) so that sums are exact.
# Plain tables (no ORM classes): they are read and written with set-based Core statements.

#: Local hours of the day (0-23) with their own occupied/known columns in the day rollups.
ROLLUP_HOURS = range(24)


def _day_figure_columns() -> list[Column[Any]]:
    """The additive figures of one local day: the same in the per-space and per-group rollups."""
    sums = [
        "working_us",  # working time of the day (past and future)
        "elapsed_us",  # working time before the refresh's ``now``
        "known_us",
        "occupied_us",
        "occupied_total_us",  # occupied at any hour of the day
        "booked_us",  # past working time covered by a booking (union)
        "booked_known_us",
        "booked_occupied_us",
        "meetings",  # occurrences that started this day (not cancelled)
        "no_shows",
        "ghosts",
    ]
    columns = [Column(name, BigInteger, nullable=False, default=0) for name in sums]
    columns += [
        Column(f"occupied_h{h:02d}_us", BigInteger, nullable=False, default=0) for h in ROLLUP_HOURS
    ]
    columns += [
        Column(f"known_h{h:02d}_us", BigInteger, nullable=False, default=0) for h in ROLLUP_HOURS
    ]
    return columns


# On SQLite both day tables are WITHOUT ROWID: rows are stored in primary-key order, so a
# space's days, or a floor's days in order, are read as one range (the dashboards' GROUP BYs
# then need no sorting).
analytics_space_days = Table(
    "analytics_space_days",
    Base.metadata,
    Column("space_kind", String(8), primary_key=True),
    Column("space_id", String(63), primary_key=True),
    Column("day", Date, primary_key=True),  # the space's local date
    *_day_figure_columns(),
    Index("ix_analytics_space_days_day", "day"),
    sqlite_with_rowid=False,
)

analytics_group_days = Table(
    "analytics_group_days",
    Base.metadata,
    Column("space_kind", String(8), primary_key=True),
    Column("floor_id", String(63), primary_key=True),
    Column("day", Date, primary_key=True),
    # "" for shared spaces (no department): a primary key column cannot be NULL everywhere.
    Column("department_id", String(63), primary_key=True),
    Column("spaces", Integer, nullable=False, default=0),
    *_day_figure_columns(),
    Index("ix_analytics_group_days_day", "day"),
    sqlite_with_rowid=False,
)

analytics_meetings = Table(
    "analytics_meetings",
    Base.metadata,
    # Not a foreign key: rows of deleted occurrences are found and removed by the refresh.
    Column("occurrence_id", Integer, primary_key=True, autoincrement=False),
    Column("booking_id", String(36), nullable=False),
    Column("space_kind", String(8), nullable=False),
    Column("space_id", String(63), nullable=False),
    Column("day", Date, nullable=False),  # local date of the start
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    # What the row was computed from: a difference means the occurrence changed.
    Column("fingerprint", String(64), nullable=False),
    Column("started", Boolean, nullable=False),
    Column("held", Boolean, nullable=False),
    Column("no_show", Boolean, nullable=False),
    Column("ghost", Boolean, nullable=False),
    Column("people", Integer),
    Column("people_source", String(16)),  # sensor | attendees
    Index("ix_analytics_meetings_space_start", "space_kind", "space_id", "starts_at"),
    Index("ix_analytics_meetings_booking", "booking_id"),
)

# Flagged recurring series ("zombies") per space, copied from ``bookings`` at each refresh so
# the room list does not scan every booking.
analytics_zombies = Table(
    "analytics_zombies",
    Base.metadata,
    Column("space_kind", String(8), primary_key=True),
    Column("space_id", String(63), primary_key=True),
    Column("series", Integer, nullable=False),
)

analytics_rollup_state = Table(
    "analytics_rollup_state",
    Base.metadata,
    Column("name", String(32), primary_key=True),
    Column("refreshed_at", UtcDateTime(), nullable=False),  # the ``now`` of the last refresh
    # The rollups cover the local days from this instant on (the first raw row, or the
    # first refresh when there was none yet).
    Column("covers_from", UtcDateTime(), nullable=False),
    Column("occupancy_change_id", Integer, nullable=False),
    Column("status_change_id", Integer, nullable=False),
    Column("occurrence_id", Integer, nullable=False),
    Column("decision_id", Integer, nullable=False),
    Column("booking_updated_at", UtcDateTime()),
)


# Minutes sessions and transcripts live in their own module; imported here so that every
# user of Base.metadata (Alembic, the schema test) sees their tables.
from hub.db import alert_models as _alert_models  # noqa: E402, F401
from hub.db import audit_models as _audit_models  # noqa: E402, F401
from hub.db import config_models as _config_models  # noqa: E402, F401
from hub.db import key_models as _key_models  # noqa: E402, F401
from hub.db import minutes_models as _minutes_models  # noqa: E402, F401
from hub.db import release_models as _release_models  # noqa: E402, F401
from hub.db import report_models as _report_models  # noqa: E402, F401
from hub.db import retention_models as _retention_models  # noqa: E402, F401
from hub.db import speech_models as _speech_models  # noqa: E402, F401
from hub.db import voice_models as _voice_models  # noqa: E402, F401
