"""The occupancy state machine, driven with plain floats: no clock, no sleeping."""

import pytest

from contract.terminal_config import SensorKind, TerminalConfig
from edge.occupancy import (
    OccupancyLayout,
    OccupancyMachine,
    SensorRole,
    SpaceSnapshot,
    StateChange,
)

PIR, RADAR, DOOR, DESK = (
    SensorKind.PIR_MOTION,
    SensorKind.MMWAVE_PRESENCE,
    SensorKind.DOOR_CONTACT,
    SensorKind.DESK_PRESENCE,
)
T0 = 1000.0


def meeting_room(room_hold: float = 300.0) -> OccupancyLayout:
    return OccupancyLayout(
        room_id="aurora",
        desk_area=False,
        desk_ids=(),
        sensors=(SensorRole("pir", PIR), SensorRole("radar", RADAR), SensorRole("door", DOOR)),
        room_hold=room_hold,
        desk_hold=600.0,
    )


def desk_area(room_hold: float = 600.0, desk_hold: float = 900.0) -> OccupancyLayout:
    return OccupancyLayout(
        room_id="east",
        desk_area=True,
        desk_ids=("d1", "d2"),
        sensors=(
            SensorRole("area-pir", PIR),
            SensorRole("desk-1", DESK, "d1"),
            SensorRole("desk-2", DESK, "d2"),
        ),
        room_hold=room_hold,
        desk_hold=desk_hold,
    )


def pulse(
    machine: OccupancyMachine, sensor: str, at: float, width: float = 2.0
) -> list[StateChange]:
    return machine.sensor_changed(sensor, True, at) + machine.sensor_changed(
        sensor, False, at + width
    )


def room(occupied: bool, at: float, *signals: str, room_id: str = "aurora") -> StateChange:
    return StateChange("room", room_id, occupied, at, signals)


def desk(desk_id: str, occupied: bool, at: float, *signals: str) -> StateChange:
    return StateChange("desk", desk_id, occupied, at, signals)


# -- room: motion and hold -----------------------------------------------------------


def test_a_room_starts_vacant_with_no_deadline() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    assert machine.snapshot() == [SpaceSnapshot("room", "aurora", False, ())]
    assert machine.next_deadline() is None
    assert machine.advance(T0 + 10_000) == []


def test_a_pir_pulse_occupies_the_room_and_the_hold_runs_from_its_end() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=300), T0)
    assert pulse(machine, "pir", T0 + 10) == [room(True, T0 + 10, "pir")]
    assert machine.next_deadline() == T0 + 12 + 300
    assert machine.advance(T0 + 311.9) == []
    assert machine.advance(T0 + 400) == [room(False, T0 + 312, "pir")]
    assert machine.next_deadline() is None


def test_the_vacancy_is_stamped_at_the_deadline_not_at_wake_up() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=300), T0)
    pulse(machine, "pir", T0)
    [change] = machine.advance(T0 + 5000)
    assert change.at_monotonic == T0 + 2 + 300


def test_a_pulse_every_30_s_keeps_the_room_occupied_for_hours() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=300), T0)
    changes = []
    for n in range(4 * 120):  # four hours
        changes += pulse(machine, "pir", T0 + 30 * n)
        changes += machine.advance(T0 + 30 * n + 29)
    assert changes == [room(True, T0, "pir")]
    last_end = T0 + 30 * (4 * 120 - 1) + 2
    assert machine.advance(last_end + 300) == [room(False, last_end + 300, "pir")]


def test_a_gap_longer_than_the_hold_releases_and_the_next_pulse_reoccupies() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=60), T0)
    pulse(machine, "pir", T0)
    assert pulse(machine, "pir", T0 + 100) == [
        room(False, T0 + 62, "pir"),
        room(True, T0 + 100, "pir"),
    ]


def test_a_pulse_at_the_exact_deadline_keeps_the_room_occupied() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=60), T0)
    pulse(machine, "pir", T0)
    assert machine.sensor_changed("pir", True, T0 + 62) == []
    assert machine.snapshot()[0].occupied


def test_advance_to_the_exact_deadline_vacates() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=60), T0)
    pulse(machine, "pir", T0)
    deadline = machine.next_deadline()
    assert deadline is not None
    assert machine.advance(deadline) == [room(False, deadline, "pir")]


def test_a_pir_held_high_keeps_the_room_occupied_until_it_drops() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=60), T0)
    machine.sensor_changed("pir", True, T0)
    assert machine.next_deadline() is None
    assert machine.advance(T0 + 3600) == []
    machine.sensor_changed("pir", False, T0 + 3600)
    assert machine.advance(T0 + 3660) == [room(False, T0 + 3660, "pir")]


# -- room: presence levels -----------------------------------------------------------


def test_radar_presence_keeps_the_room_occupied_while_pir_is_quiet() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=300), T0)
    pulse(machine, "pir", T0)
    assert machine.sensor_changed("radar", True, T0 + 10) == []
    assert machine.next_deadline() is None
    assert machine.advance(T0 + 3 * 3600) == []  # people sit still for three hours
    assert machine.snapshot()[0] == SpaceSnapshot("room", "aurora", True, ("radar",))


def test_the_hold_counts_from_when_the_last_presence_level_dropped() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=300), T0)
    pulse(machine, "pir", T0)
    machine.sensor_changed("radar", True, T0 + 10)
    machine.sensor_changed("radar", False, T0 + 1000)
    assert machine.next_deadline() == T0 + 1300
    assert machine.advance(T0 + 1299) == []
    assert machine.advance(T0 + 1300) == [room(False, T0 + 1300, "radar")]


def test_the_hold_counts_from_the_last_motion_when_it_comes_after_the_radar_dropped() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=300), T0)
    machine.sensor_changed("radar", True, T0)
    machine.sensor_changed("radar", False, T0 + 100)
    pulse(machine, "pir", T0 + 200)
    assert machine.advance(T0 + 1000) == [room(False, T0 + 502, "pir")]


def test_radar_alone_occupies_the_room() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    assert machine.sensor_changed("radar", True, T0 + 5) == [room(True, T0 + 5, "radar")]


def test_motion_while_radar_is_active_changes_nothing() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    machine.sensor_changed("radar", True, T0)
    assert pulse(machine, "pir", T0 + 50) == []
    assert machine.next_deadline() is None


def test_reactivation_within_the_hold_cancels_the_vacancy() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=300), T0)
    machine.sensor_changed("radar", True, T0)
    machine.sensor_changed("radar", False, T0 + 100)
    assert machine.sensor_changed("radar", True, T0 + 200) == []
    assert machine.next_deadline() is None
    assert machine.advance(T0 + 10_000) == []


def test_the_door_contact_does_not_decide_occupancy() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    assert machine.sensor_changed("door", False, T0) == []
    assert machine.sensor_changed("door", True, T0 + 10) == []
    assert machine.snapshot()[0].occupied is False
    assert machine.next_deadline() is None


def test_a_drop_of_a_level_never_seen_rising_is_ignored() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    assert machine.sensor_changed("radar", False, T0 + 1) == []
    assert machine.next_deadline() is None


def test_repeated_activations_are_idempotent() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    assert machine.sensor_changed("radar", True, T0) == [room(True, T0, "radar")]
    assert machine.sensor_changed("radar", True, T0 + 1) == []


def test_unknown_sensors_are_refused() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    with pytest.raises(KeyError, match="nope"):
        machine.sensor_changed("nope", True, T0)


def test_levels_active_at_start_are_state_not_changes() -> None:
    machine = OccupancyMachine(meeting_room(room_hold=60), T0, active_sensors=["radar"])
    assert machine.snapshot() == [SpaceSnapshot("room", "aurora", True, ("radar",))]
    machine.sensor_changed("radar", False, T0 + 10)
    assert machine.advance(T0 + 70) == [room(False, T0 + 70, "radar")]


def test_a_late_event_is_treated_as_happening_now() -> None:
    # Stamped before the machine's time (another thread): no decision is rewritten.
    machine = OccupancyMachine(meeting_room(room_hold=60), T0)
    pulse(machine, "pir", T0)
    assert machine.advance(T0 + 100) == [room(False, T0 + 62, "pir")]
    assert machine.sensor_changed("pir", True, T0 + 50) == [room(True, T0 + 100, "pir")]
    assert machine.time == T0 + 100


def test_a_snapshot_in_the_hold_names_the_signal_that_ended_last() -> None:
    machine = OccupancyMachine(meeting_room(), T0)
    pulse(machine, "pir", T0)
    assert machine.snapshot() == [SpaceSnapshot("room", "aurora", True, ("pir",))]


# -- desks ---------------------------------------------------------------------------


def test_a_desk_is_occupied_while_its_sensor_is_active_and_for_the_desk_hold_after() -> None:
    machine = OccupancyMachine(desk_area(room_hold=600, desk_hold=900), T0)
    assert machine.sensor_changed("desk-1", True, T0) == [
        desk("d1", True, T0, "desk-1"),
        room(True, T0, "desk-1", room_id="east"),
    ]
    machine.sensor_changed("desk-1", False, T0 + 3600)
    assert machine.next_deadline() == T0 + 3600 + 900
    assert machine.advance(T0 + 3600 + 899) == []
    # The room's own hold (600 s) ran out first, but it follows its last desk.
    assert machine.advance(T0 + 3600 + 900) == [
        desk("d1", False, T0 + 4500, "desk-1"),
        room(False, T0 + 4500, "desk-1", room_id="east"),
    ]


def test_a_desk_reactivated_within_its_hold_stays_occupied() -> None:
    machine = OccupancyMachine(desk_area(desk_hold=900), T0)
    machine.sensor_changed("desk-1", True, T0)
    machine.sensor_changed("desk-1", False, T0 + 100)  # coffee
    assert machine.sensor_changed("desk-1", True, T0 + 700) == []
    assert machine.advance(T0 + 5000) == []
    assert [s.occupied for s in machine.snapshot()] == [True, True, False]


def test_desks_are_independent_and_the_room_is_vacant_only_after_the_last_one() -> None:
    machine = OccupancyMachine(desk_area(room_hold=600, desk_hold=900), T0)
    machine.sensor_changed("desk-1", True, T0)
    assert machine.sensor_changed("desk-2", True, T0 + 10) == [desk("d2", True, T0 + 10, "desk-2")]
    machine.sensor_changed("desk-1", False, T0 + 100)
    assert machine.advance(T0 + 1000) == [desk("d1", False, T0 + 1000, "desk-1")]
    machine.sensor_changed("desk-2", False, T0 + 2000)
    assert machine.advance(T0 + 9999) == [
        desk("d2", False, T0 + 2900, "desk-2"),
        room(False, T0 + 2900, "desk-2", room_id="east"),
    ]


def test_in_a_desk_area_the_room_hold_applies_when_it_is_longer_than_the_desk_hold() -> None:
    machine = OccupancyMachine(desk_area(room_hold=1200, desk_hold=300), T0)
    machine.sensor_changed("desk-1", True, T0)
    machine.sensor_changed("desk-1", False, T0 + 100)
    assert machine.advance(T0 + 400) == [desk("d1", False, T0 + 400, "desk-1")]
    assert machine.next_deadline() == T0 + 1300
    assert machine.advance(T0 + 1300) == [room(False, T0 + 1300, "desk-1", room_id="east")]


def test_area_motion_occupies_a_desk_area_room_but_no_desk() -> None:
    machine = OccupancyMachine(desk_area(), T0)
    assert pulse(machine, "area-pir", T0) == [room(True, T0, "area-pir", room_id="east")]
    assert [s.occupied for s in machine.snapshot()] == [True, False, False]


def test_desk_sensors_in_a_meeting_room_do_not_occupy_the_room() -> None:
    layout = OccupancyLayout(
        room_id="lab",
        desk_area=False,
        desk_ids=("bench",),
        sensors=(SensorRole("pir", PIR), SensorRole("bench-seat", DESK, "bench")),
        room_hold=300,
        desk_hold=300,
    )
    machine = OccupancyMachine(layout, T0)
    assert machine.sensor_changed("bench-seat", True, T0) == [desk("bench", True, T0, "bench-seat")]


def test_next_deadline_is_the_earliest_of_room_and_desks() -> None:
    machine = OccupancyMachine(desk_area(room_hold=600, desk_hold=900), T0)
    machine.sensor_changed("desk-1", True, T0)
    machine.sensor_changed("desk-2", True, T0)
    machine.sensor_changed("desk-1", False, T0 + 50)
    assert machine.next_deadline() == T0 + 950  # desk 1; the room waits for desk 2
    machine.sensor_changed("desk-2", False, T0 + 60)
    assert machine.next_deadline() == T0 + 950


def test_from_config_reads_the_holds_and_roles(aurora_config: TerminalConfig) -> None:
    layout = OccupancyLayout.from_config(aurora_config)
    assert layout.room_id == "hq-f1-aurora" and not layout.desk_area
    assert layout.room_hold == 300.0
    assert {r.sensor_id: r.kind for r in layout.sensors} == {
        "pir-ceiling": PIR,
        "radar": RADAR,
        "door": DOOR,
    }
