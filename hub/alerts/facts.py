"""What the alert rules look at, as plain values (read by ``gather``, built by hand in tests).

Times are UTC. Event times (occupancy changes, sensor events) are the terminal's clock;
online/offline times are the hub's.
"""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class RoomFacts:
    id: str
    name: str
    capacity: int
    timezone: str
    occupied: bool | None = None  # live state; None: never reported
    band: int | None = None  # lower bound of the live headcount band
    band_top: int | None = None
    # Since when the band has been above capacity without a break (None: it is not).
    over_capacity_since: datetime | None = None
    # Event time of the newest report of the room as occupied (None: never).
    last_occupied_at: datetime | None = None


@dataclass(frozen=True)
class DayFigures:
    """One local day of a room from the utilization rollups (microseconds)."""

    day: date
    working_us: int
    known_us: int
    occupied_us: int


@dataclass(frozen=True)
class SpoolFill:
    """A terminal's spool as its newest heartbeat reported it (contract ``SpoolFill``)."""

    pending: int
    max_messages: int
    bytes: int
    max_bytes: int
    reported_at: datetime  # the heartbeat's event time

    @property
    def messages_share(self) -> float:
        return self.pending / self.max_messages

    @property
    def bytes_share(self) -> float:
        return self.bytes / self.max_bytes


@dataclass(frozen=True)
class UpdateFailure:
    """The terminal's part in its newest rollout went wrong (hub/releases, docs/fleet.md)."""

    rollout_id: int
    version: str
    state: str  # failed | rolled_back | timed_out
    reason: str | None
    detail: str | None
    at: datetime  # the terminal's report (or the command, for a timeout)


@dataclass(frozen=True)
class DeviceFacts:
    id: str
    room_id: str
    online: bool
    status_changed_at: datetime | None  # None: never heard from
    # Newest event of any physical sensor (the speech flag is not a sensor); None: never.
    last_sensor_event_at: datetime | None = None
    # Newest event of each door contact, by sensor id.
    doors: dict[str, datetime] = field(default_factory=dict)
    # Messages the spool dropped because it was full, reported within the window.
    spool_dropped: int = 0
    spool_full_reports: int = 0
    spool_full_last_at: datetime | None = None
    # None: no heartbeat ever said (a terminal without a spool, or an older one).
    spool_fill: SpoolFill | None = None
    # Its newest rollout's update failed within the window (None: it did not, or no rollout).
    update_failure: UpdateFailure | None = None


@dataclass(frozen=True)
class Facts:
    rooms: dict[str, RoomFacts]
    devices: list[DeviceFacts]
    # Per room: its recent local days (any order), from analytics_space_days.
    days: dict[str, list[DayFigures]] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One condition a rule found true now."""

    rule: str
    subject_kind: str  # room | desk | device | floor
    subject_id: str
    room_id: str | None  # who may see it (hub.auth.scope); the room itself for a room
    severity: str
    message: str
    details: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.subject_kind, self.subject_id)
