"""The shipped scenarios tell the stories their descriptions promise.

Each day is compiled and fed straight into the state machine with its
configuration's hold times: plain arithmetic, no clock, no pins.
"""

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from contract.config_loader import load_terminal_config
from edge.occupancy import OccupancyLayout, OccupancyMachine, StateChange
from edge.scenario import load_scenario
from edge.timeline import compile_timeline

from .conftest import AURORA, BOREALIS, COSMOS, EAST_DESKS

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 3, 3, 0, 0, tzinfo=BERLIN)  # a Tuesday


def play_day(name: str, config_path: Path) -> list[tuple[str, str, bool, str]]:
    """(space, id, occupied, local HH:MM) for every change during the day."""
    config = load_terminal_config(config_path)
    machine = OccupancyMachine(OccupancyLayout.from_config(config), 0.0)
    scenario = load_scenario(name).scenario
    changes: list[StateChange] = []
    end = DAY + timedelta(days=1)
    for change in itertools.takewhile(
        lambda c: c.at < end, compile_timeline(scenario, BERLIN, DAY)
    ):
        changes += machine.sensor_changed(change.sensor_id, change.active, _mono(change.at))
    changes += machine.advance(_mono(end))
    return [(c.space, c.space_id, c.occupied, _local(c.at_monotonic)) for c in changes]


def _mono(when: datetime) -> float:
    return (when - DAY).total_seconds()


def _local(mono: float) -> str:
    return (DAY + timedelta(seconds=mono)).astimezone(BERLIN).strftime("%H:%M")


def test_meeting_room_day() -> None:
    room = [(occ, t) for _, _, occ, t in play_day("meeting_room_day", AURORA)]
    assert room == [
        (True, "08:57"),
        (False, "09:57"),  # planning
        (True, "09:59"),
        (False, "11:37"),  # workshop
        (True, "12:04"),
        (False, "12:09"),  # the no-show: one look in, then the hold runs out
        (True, "12:58"),
        (False, "13:56"),  # sync
        (True, "16:25"),
        (False, "17:22"),  # interview, after the long empty afternoon
        (True, "19:10"),
        (False, "19:21"),  # cleaner
    ]


def test_huddle_room_day_shows_the_false_vacancy_of_pir_alone() -> None:
    room = [(occ, t) for _, _, occ, t in play_day("huddle_room_day", BOREALIS)]
    # The speaker sits still 15:50-15:56: the hold (4 min) runs out mid-call.
    vacated_mid_call = [t for occ, t in room if not occ and "15:50" < t < "15:56"]
    assert vacated_mid_call and (True, "15:56") in room
    assert len(room) == 12  # five uses, the call counted twice


def test_boardroom_stays_occupied_through_the_still_meeting() -> None:
    room = [(occ, t) for _, _, occ, t in play_day("boardroom_day", COSMOS)]
    assert room == [(True, "08:50"), (False, "12:44"), (True, "13:58"), (False, "15:07")]


def test_desk_cluster_day() -> None:
    changes = play_day("desk_cluster_day", EAST_DESKS)
    by_desk: dict[str, list[tuple[bool, str]]] = {}
    for space, space_id, occupied, when in changes:
        if space == "desk":
            by_desk.setdefault(space_id, []).append((occupied, when))
    assert by_desk["hq-f2-e01"] == [
        (True, "08:30"),
        (False, "12:15"),
        (True, "13:00"),
        (False, "17:45"),
    ]
    assert by_desk["hq-f2-e02"] == [
        (True, "09:00"),
        (False, "11:15"),
        (True, "16:05"),
        (False, "17:15"),
    ]
    assert "hq-f2-e03" not in by_desk
    assert by_desk["hq-f2-e06"][:2] == [(True, "08:00"), (False, "08:35")]
    room = [(occupied, when) for space, _, occupied, when in changes if space == "room"]
    assert room[0] == (True, "07:55") and room[-1] == (False, "18:15")
