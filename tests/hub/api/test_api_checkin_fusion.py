"""Issue 8 through the real ingest path: a terminal with occupancy fusion keeps the booking of
one person reading silently, and the audit trail names the signals that kept it; a PIR-only
terminal's room is released as before; a room with a people counter gets a sensor head count.

Messages are applied as the ingest service applies them (apply_batch, one committed batch per
step) to the app's own SQLite file; the bookings loop is driven by hand with the hub's fake
clock, and decisions are read through the API.
"""

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from api_world import NOW, Hub
from sqlalchemy import select, update

from contract import topics
from hub.analytics.rollups import refresh_rollups
from hub.checkin.engine import run_once
from hub.checkin.policy import CheckInPolicy
from hub.db.models import BookingOccurrence, Device, analytics_meetings
from hub.ingest.apply import Received, apply_batch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "checkin"))
from checkin_builders import add_booking

ROOM, TERMINAL = "hq-f1-aurora", "term-hq-f1-aurora"
START = NOW + timedelta(minutes=30)  # 12:30 UTC, booked until 13:30
END = START + timedelta(hours=1)
POLICY = CheckInPolicy()  # abandoned after 15 min empty
FUSED = {"band_top": 3}


def at(minutes: float) -> datetime:
    """Minutes after the booking's start."""
    return START + timedelta(minutes=minutes)


@dataclass
class Terminal:
    """The room's terminal, sending what the edge would (one boot, seq counting up)."""

    seq: int = 0

    def _raw(self, topic: str, type_: str, ts: datetime, data: dict[str, Any]) -> tuple[str, bytes]:
        self.seq += 1
        envelope = {
            "v": 1,
            "type": type_,
            "ts": ts.isoformat(),
            "device": TERMINAL,
            "boot": "20260106T110000-0000aaaa",
            "seq": self.seq,
            "data": data,
        }
        return topic, orjson.dumps(envelope)

    def occupancy(self, ts: datetime, occupied: bool, **fields: Any) -> tuple[str, bytes]:
        data = {"space": "room", "space_id": ROOM, "occupied": occupied, **fields}
        return self._raw(topics.occupancy_topic("quorum", ROOM, TERMINAL), "occupancy", ts, data)

    def motion(self, ts: datetime, active: bool) -> tuple[str, bytes]:
        data = {"sensor_id": "pir-ceiling", "kind": "pir_motion", "active": active}
        topic = topics.event_topic("quorum", ROOM, TERMINAL, "sensor")
        return self._raw(topic, "sensor", ts, data)

    def pulse(self, ts: datetime) -> list[tuple[str, bytes]]:
        return [self.motion(ts, True), self.motion(ts + timedelta(seconds=4), False)]

    def heartbeat(self, ts: datetime, occupied: bool, **fields: Any) -> tuple[str, bytes]:
        space = {"space": "room", "space_id": ROOM, "occupied": occupied, **fields}
        data = {"uptime_s": 600.0, "interval_s": 60.0, "spaces": [space]}
        return self._raw(topics.heartbeat_topic("quorum", ROOM, TERMINAL), "heartbeat", ts, data)


def ingest(hub: Hub, raws: Iterable[tuple[str, bytes]]) -> None:
    items = [Received(topic, payload, hub.clock.now()) for topic, payload in raws]
    with hub.state.session_factory() as session, session.begin():
        result = apply_batch(session, items, hub.clock)
    assert result.dead == [], result.dead


def run(
    hub: Hub,
    terminal: Terminal,
    script: dict[float, list[tuple[str, bytes]]],
    state_at: Any,
    until: float,
    step: float = 1.0,
) -> list[str]:
    """Every ``step`` minutes from 5 min before the start to ``until``: the scripted messages
    due by then and a heartbeat (``state_at(minute)`` -> (occupied, fields)), then a look."""
    kinds: list[str] = []
    minute = -5.0
    while minute <= until:
        hub.clock.set_wall(at(minute))
        occupied, fields = state_at(minute)
        due = [
            raw for key in sorted(script) if minute - step < key <= minute for raw in script[key]
        ]
        ingest(hub, [*due, terminal.heartbeat(at(minute), occupied, **fields)])
        with hub.session() as session:
            kinds += [d.kind for d in run_once(session, at(minute), POLICY).decisions]
        minute += step
    return kinds


def booking(hub: Hub) -> str:
    with hub.session() as session:
        made = add_booking(
            session, START, END, organizer="member-engineering", space=("room", ROOM), created=NOW
        )
        return made.id


def occurrence(hub: Hub, booking_id: str) -> BookingOccurrence:
    with hub.session() as session:
        found = session.scalars(
            select(BookingOccurrence).where(BookingOccurrence.booking_id == booking_id)
        ).one()
        session.expunge(found)
        return found


def reading_silently(terminal: Terminal) -> dict[float, list[tuple[str, bytes]]]:
    """Someone walks in at 12:31, closes the door, and reads without moving until 13:12."""
    empty = {"probability": 0.02, "band": 0, "band_confidence": 0.95, **FUSED}
    return {
        -5.0: [terminal.occupancy(at(-5), False, signals=["radar"], initial=True, **empty)],
        1.0: [
            *terminal.pulse(at(1)),
            terminal.occupancy(
                at(1),
                True,
                signals=["pir-ceiling", "radar"],
                probability=0.93,
                band=1,
                band_confidence=0.7,
                **FUSED,
            ),
        ],
        # The door closed behind them: the band's confidence changes, then the signals.
        3.0: [
            terminal.occupancy(
                at(3),
                True,
                signals=["door_sealed", "presence-1"],
                probability=0.99,
                band=1,
                band_confidence=0.8,
                **FUSED,
            )
        ],
        42.0: terminal.pulse(at(42)),  # they turn a page: 40 minutes without motion before
    }


def test_one_person_reading_silently_keeps_the_booking_and_the_trail_names_why(
    people: Hub,
) -> None:
    terminal = Terminal()
    booking_id = booking(people)
    script = reading_silently(terminal)

    def state_at(minute: float) -> tuple[bool, dict[str, Any]]:
        if minute < 1:
            return False, {"probability": 0.02, "band": 0, **FUSED}
        return True, {"probability": 0.99, "band": 1, "signals": ["door_sealed"], **FUSED}

    kinds = run(people, terminal, script, state_at, until=61)
    # Checked in when seen occupied; kept once per quiet stretch (from 12:31:04 and from
    # 13:12:04: 15 minutes each, both before the end); never released.
    assert kinds == ["checked_in", "kept", "kept"]
    held = occurrence(people, booking_id)
    assert (held.state, held.released_at) == ("ended", None)

    kept = people.ok("/decisions?kind=kept&space_id=" + ROOM)
    kept.sort(key=lambda d: d["effective_at"])
    first = kept[0]
    assert first["booking_id"] == booking_id
    quiet_from = at(1) + timedelta(seconds=4)
    assert first["effective_at"] == (quiet_from + timedelta(minutes=15)).isoformat()
    assert first["explanation"] == (
        "kept: no motion since 12:31:04 UTC for 15 min, but the room is occupied "
        "(door_sealed, presence-1)"
    )
    assert first["evidence"][0] == {
        "at": quiet_from.isoformat(),
        "what": "no motion",
        "until": first["effective_at"],
    }
    assert first["evidence"][1]["signals"] == ["door_sealed", "presence-1"]
    assert first["evidence"][1]["probability"] == 0.99
    # The organizer and attendees see it in the booking's own trail too.
    trail = people.ok(f"/bookings/{booking_id}/decisions", "member-engineering")
    assert [d["kind"] for d in trail] == ["checked_in", "kept", "kept"]

    # The live state shows the fused estimate (the heartbeat's, newest).
    room = people.ok(f"/rooms/{ROOM}")["state"]
    assert (room["occupied"], room["band"], room["band_label"]) == (True, 1, "1")
    assert room["signals"] == ["door_sealed"] and room["probability"] == 0.99
    assert room["since"] == at(1).isoformat()  # the band-only report changed nothing


def test_a_pir_only_terminal_releases_the_quiet_room_as_before(people: Hub) -> None:
    """The same person with a hold-time terminal: vacant 5 min after the last motion."""
    terminal = Terminal()
    booking_id = booking(people)
    script = {
        -5.0: [terminal.occupancy(at(-5), False, signals=[], initial=True)],
        1.0: [*terminal.pulse(at(1)), terminal.occupancy(at(1.1), True, signals=["pir-ceiling"])],
        6.0: [terminal.occupancy(at(6), False, signals=["pir-ceiling"])],  # the hold ran out
    }

    def state_at(minute: float) -> tuple[bool, dict[str, Any]]:
        return 1 <= minute < 6, {}

    kinds = run(people, terminal, script, state_at, until=25)
    assert kinds == ["checked_in", "released_abandoned"]
    released = occurrence(people, booking_id)
    assert (released.state, released.release_reason) == ("released", "abandoned")
    assert released.released_at == at(21)
    decision = people.ok("/decisions?kind=released_abandoned")[0]
    assert decision["explanation"].endswith("15 minutes without anyone (pir-ceiling)")
    assert decision["evidence"][-1] == {
        "at": at(6).isoformat(),
        "what": "space reported vacant",
        "signals": ["pir-ceiling"],
    }
    assert people.ok("/decisions?kind=kept") == []


def test_a_counting_room_gets_its_meeting_head_count_from_the_bands(people: Hub) -> None:
    """Two people for half an hour, a third for one minute: the meeting had 2 (sensor)."""
    with people.session() as session:  # as imported from a configuration with a counter
        session.execute(update(Device).where(Device.id == TERMINAL).values(counts_people=True))
    terminal = Terminal()
    booking_id = booking(people)

    def band(minute: float, value: int) -> tuple[str, bytes]:
        fields = {"probability": 0.99, "band": value, "band_confidence": 0.8, **FUSED}
        return terminal.occupancy(at(minute), True, signals=["radar-targets"], **fields)

    script = {
        -5.0: [terminal.occupancy(at(-5), False, band=0, probability=0.02, **FUSED)],
        1.0: [*terminal.pulse(at(1)), band(1, 2)],
        20.0: [band(20, 3)],  # someone puts their head in
        21.0: [band(21, 2)],
        40.0: [terminal.occupancy(at(40), False, band=0, probability=0.03, **FUSED)],
    }

    def state_at(minute: float) -> tuple[bool, dict[str, Any]]:
        return 1 <= minute < 40, {}

    run(people, terminal, script, state_at, until=61, step=5.0)
    assert occurrence(people, booking_id).peak_people == 2
    with people.session() as session:
        refresh_rollups(session, at(61), full=True)
        row = session.execute(
            select(analytics_meetings.c.people, analytics_meetings.c.people_source)
        ).one()
    assert tuple(row) == (2, "sensor")
