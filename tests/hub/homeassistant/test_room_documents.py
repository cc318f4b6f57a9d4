"""What Home Assistant is told about a room, read from a real (SQLite) database."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hub.db.models import Booking, BookingOccurrence, SpaceState
from hub.homeassistant.rooms import (
    BOOKING_STATES,
    load_rooms,
    next_booking_change,
    people_band,
    room_states,
)

NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
ROOM = "hq-f1-aurora"


def space(occupied: bool, band: int | None = None, band_top: int | None = None) -> SpaceState:
    return SpaceState(
        space_kind="room",
        space_id=ROOM,
        occupied=occupied,
        since=NOW,
        updated_at=NOW,
        band=band,
        band_top=band_top,
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, None),
        (space(False), "0"),
        (space(True), None),  # occupied, number unknown: Home Assistant shows "unknown"
        (space(True, 1, 3), "1"),
        (space(True, 2, 3), "2"),
        (space(True, 3, 3), "3+"),
        (space(True, 5, 5), "5+"),
        (space(True, 4, None), "4"),
    ],
)
def test_the_people_band_as_home_assistant_shows_it(
    state: SpaceState | None, expected: str | None
) -> None:
    assert people_band(state) == expected


def add_occurrence(
    session: Session,
    starts: timedelta,
    minutes: int,
    state: str,
    *,
    release_reason: str | None = None,
    checked_in_at: datetime | None = None,
) -> None:
    booking_id = str(uuid.uuid4())
    starts_at, ends_at = NOW + starts, NOW + starts + timedelta(minutes=minutes)
    session.add(
        Booking(
            id=booking_id,
            space_kind="room",
            space_id=ROOM,
            organizer_id=None,
            title="Secret strategy",
            starts_at=starts_at,
            ends_at=ends_at,
            timezone="Europe/Berlin",
            source="api",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()
    session.add(
        BookingOccurrence(
            booking_id=booking_id,
            space_kind="room",
            space_id=ROOM,
            starts_at=starts_at,
            ends_at=ends_at,
            state=state,
            release_reason=release_reason,
            checked_in_at=checked_in_at,
        )
    )


@pytest.mark.parametrize(
    ("occurrence", "expected"),
    [
        ({"starts": timedelta(minutes=-5), "minutes": 30, "state": "booked"}, "booked"),
        ({"starts": timedelta(minutes=-5), "minutes": 30, "state": "checked_in"}, "checked_in"),
        (
            {
                "starts": timedelta(minutes=-15),
                "minutes": 60,
                "state": "released",
                "release_reason": "no_show",
            },
            "no_show",
        ),
        (
            {
                "starts": timedelta(minutes=-15),
                "minutes": 60,
                "state": "released",
                "release_reason": "abandoned",
            },
            "released",
        ),
        ({"starts": timedelta(minutes=-5), "minutes": 30, "state": "cancelled"}, "free"),
        ({"starts": timedelta(minutes=-60), "minutes": 30, "state": "ended"}, "free"),
        ({"starts": timedelta(minutes=10), "minutes": 30, "state": "booked"}, "free"),
        (  # checked in early: the room is the meeting's from the check-in on
            {
                "starts": timedelta(minutes=3),
                "minutes": 30,
                "state": "checked_in",
                "checked_in_at": NOW - timedelta(minutes=1),
            },
            "checked_in",
        ),
    ],
)
def test_the_booking_state_of_a_room(
    factory: sessionmaker[Session], occurrence: dict[str, Any], expected: str
) -> None:
    with factory() as session, session.begin():
        add_occurrence(session, **occurrence)
    with factory() as session:
        document = room_states(session, NOW, [ROOM])[ROOM]
    assert document["booking"] == expected
    assert expected in BOOKING_STATES
    # Times and ids of the booking, never its title or organizer.
    assert "Secret" not in str(document)
    if expected != "free":
        assert document["booking_attributes"]["occurrence_id"] is not None


def test_documents_are_the_same_for_the_same_database_and_name_what_comes_next(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session, session.begin():
        add_occurrence(session, timedelta(minutes=-5), 30, "checked_in")
        add_occurrence(session, timedelta(hours=2), 30, "booked")
        session.add(space(True, 2, 3))
    with factory() as session:
        first = room_states(session, NOW)
        again = room_states(session, NOW)
        rooms = load_rooms(session)
        upcoming = next_booking_change(session, NOW)
    assert first == again
    assert {r.id for r in rooms} == set(first)
    assert {r.id: r.devices for r in rooms}[ROOM] == ("term-hq-f1-aurora",)
    aurora = first[ROOM]
    assert (aurora["occupancy"], aurora["people"], aurora["booking"]) == ("ON", "2", "checked_in")
    assert aurora["availability"] == "offline"  # no terminal has said it is online
    assert aurora["terminals"] == {"term-hq-f1-aurora": "offline"}
    assert aurora["booking_attributes"]["next_starts_at"] == (NOW + timedelta(hours=2)).isoformat()
    assert aurora["booking_attributes"]["ends_at"] == (NOW + timedelta(minutes=25)).isoformat()
    # The checked-in meeting ends first: the booking state changes then, by time alone.
    assert upcoming == NOW + timedelta(minutes=25)
    other = first["hq-f1-borealis"]
    assert (other["occupancy"], other["people"], other["booking"]) == (None, None, "free")
