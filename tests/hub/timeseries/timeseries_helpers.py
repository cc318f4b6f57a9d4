"""Rows for time-series tests, written straight into the store as ingest would, and a
writer that records points instead of sending them."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy.orm import Session, sessionmaker

from hub.db.models import Booking, BookingOccurrence, DeviceStatusChange, OccupancyChange
from hub.timeseries.points import TsPoint
from hub.timeseries.writer import WriteFailed

ROOM = "hq-f1-aurora"
OTHER_ROOM = "hq-f1-borealis"
ROOM_DEVICE = "term-hq-f1-aurora"
DESK = "hq-f2-e01"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin

_seq = count(1)


def add_occupancy(
    factory: sessionmaker[Session],
    changes: Sequence[tuple[str, str, bool, datetime]],
    device: str = ROOM_DEVICE,
) -> None:
    """(space_kind, space_id, occupied, ts) rows, committed in one transaction."""
    with factory() as session, session.begin():
        for kind, space, occupied, ts in changes:
            session.add(
                OccupancyChange(
                    space_kind=kind,
                    space_id=space,
                    occupied=occupied,
                    ts=ts,
                    device_id=device,
                    boot="boot-1",
                    seq=next(_seq),
                    signals=["pir"],
                )
            )


def add_status(factory: sessionmaker[Session], device: str, online: bool, at: datetime) -> None:
    with factory() as session, session.begin():
        session.add(DeviceStatusChange(device_id=device, online=online, at=at, reason="test"))


def add_occurrence(
    factory: sessionmaker[Session],
    space_id: str,
    starts_at: datetime,
    minutes: int,
    peak_people: int | None,
    booking_id: str = "b-1",
) -> None:
    ends_at = starts_at + timedelta(minutes=minutes)
    with factory() as session, session.begin():
        if session.get(Booking, booking_id) is None:
            session.add(
                Booking(
                    id=booking_id,
                    space_kind="room",
                    space_id=space_id,
                    organizer_id=None,
                    title="test",
                    starts_at=starts_at,
                    ends_at=ends_at,
                    timezone="Europe/Berlin",
                    source="api",
                    created_at=starts_at,
                    updated_at=starts_at,
                )
            )
            session.flush()
        session.add(
            BookingOccurrence(
                booking_id=booking_id,
                space_kind="room",
                space_id=space_id,
                starts_at=starts_at,
                ends_at=ends_at,
                state="ended",
                peak_people=peak_people,
            )
        )


class RecordingWriter:
    """Accepts points (keeping them) until told to fail."""

    def __init__(self) -> None:
        self.points: list[TsPoint] = []
        self.requests = 0
        self.down = False

    def write(self, points: Sequence[TsPoint]) -> None:
        self.requests += 1
        if self.down:
            raise WriteFailed("server down (test)", retryable=True, attempts=1)
        self.points.extend(points)

    def close(self) -> None:
        pass

    def of(self, measurement: str) -> list[TsPoint]:
        return [p for p in self.points if p.measurement == measurement]
