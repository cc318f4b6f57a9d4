"""Ground-truth sessions: the YAML format, the truth it builds, and the sensor models."""

import json
import random

import pytest

from edge.fusion.sessions import (
    SessionError,
    load_library,
    load_session,
    parse_session,
    play,
    shipped_sessions,
    terminal_config,
)
from edge.fusion.sessions.levels import World
from edge.fusion.signals import Signal

GOOD = """\
name: small
description: two come, one goes
duration: 10m
room:
  sensors: [pir, presence, door, speech, co2, door_beams]
bookings:
  - {start: 1m, end: 9m}
timeline:
  - {at: 1m, enter: 2, activity: talking, door: close}
  - {at: 4m, activity: {typing: 1, reading: 1}}
  - {at: 6m, leave: 1}
  - {at: 8m, leave: all, door: open}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(SessionError) as caught:
        parse_session(text, "s.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_good_session_gives_a_truth_per_minute() -> None:
    loaded = parse_session(GOOD, "s.yaml")
    minutes = loaded.truth.minutes()
    assert [m.count for m in minutes] == [0, 2, 2, 2, 2, 2, 1, 1, 0, 0]
    assert [m.at for m in minutes[:2]] == [30.0, 90.0]  # judged at the middle of each minute
    person = loaded.truth.people[0]
    assert person.activity_at(65) == "walking"  # still finding a seat
    assert person.activity_at(200) == "talking" and person.activity_at(300) == "typing"
    # A passage through the closed door opens it for a moment.
    door = loaded.truth.door_closed
    assert door[100] and not door[359] and door[364] and not door[480]
    assert loaded.truth.passages == [(60, "in"), (60, "in"), (360, "out"), (480, "out")]


def test_a_generated_terminal_config_names_every_gpio_sensor() -> None:
    config = terminal_config(parse_session(GOOD, "s.yaml").session)
    assert [s.id for s in config.sensors] == ["pir", "presence", "door", "door-beams"]
    assert config.speech.enabled


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("activity: talking", "activty: talking"), "s.yaml:9: timeline[0].activty: unknown field"),
        (
            ("activity: talking", "activity: talkin"),
            "s.yaml:9: timeline[0].activity: 'talkin' is not one of: reading, still, typing, "
            "talking, lively, phone, walking, cleaning (did you mean talking?)",
        ),
        (("[pir, presence", "[pir, presense"), "s.yaml:5: room.sensors[1]: 'presense' is not"),
        (("leave: 1}", "leave: 3}"), "s.yaml:11: timeline[2].leave: 3 cannot leave: 2 in the room"),
        (("{at: 6m,", "{at: 3m,"), "s.yaml:11: timeline[2].at: steps go in time order"),
        (("{at: 8m,", "{at: 12m,"), "s.yaml:12: timeline[3].at: at is not before the session's"),
        (
            ("{typing: 1, reading: 1}", "{typing: 1}"),
            "s.yaml:10: timeline[1].activity: the activities add up to 1 people; 2 are in",
        ),
        (("duration: 10m", "duration: ten"), "s.yaml:3: duration: 'ten' is not a duration"),
        (("end: 9m", "end: 11m"), "s.yaml:7: bookings[0].end: the booking ends after the session"),
        (("duration: 10m", "duration: 30s"), "s.yaml:3: duration: a session lasts at least one"),
        (("activity: talking", "activity: 3"), "s.yaml:9: timeline[0].activity: Input should be"),
        (("  - {at: 6m, leave: 1}", "  - {at: 6m}"), "s.yaml:11: timeline[2]: a step needs"),
        (("description: two come, one goes\n", ""), "s.yaml:"),
    ],
)
def test_bad_files_name_the_line_field_and_a_fix(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    if expected == "s.yaml:":  # a file without a description is fine
        parse_session(text, "s.yaml")
        return
    problems = problems_of(text)
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems[0]


def test_unknown_desks_missing_fields_and_syntax() -> None:
    desk = GOOD.replace("{at: 6m, leave: 1}", "{at: 6m, leave: 1, desk: d9}")
    assert problems_of(desk) == [
        "s.yaml:11: timeline[2].desk: desk 'd9' is not in room.desks (none)"
    ]
    assert problems_of(GOOD.replace("duration: 10m\n", "")) == [
        "s.yaml:1: duration: required field is missing"
    ]
    assert problems_of(GOOD.replace("[pir,", "[pir,,"))[0].startswith("s.yaml:5: YAML syntax")
    assert problems_of("timeline: [\n")[0].startswith("s.yaml:2: YAML syntax error")
    assert problems_of("- a list\n") == [
        "s.yaml:1: a session is a YAML mapping (name, duration, room, timeline, ...)"
    ]


def test_sessions_are_found_by_name_with_a_suggestion() -> None:
    assert load_session("reading-alone").name == "reading_alone"
    with pytest.raises(SessionError) as caught:
        load_session("reading_alon")
    assert "(did you mean reading_alone?)" in str(caught.value)


def test_the_library_has_the_issues_scenarios_and_all_load() -> None:
    names = shipped_sessions()
    for wanted in (
        "reading_alone",
        "lively_meeting_six",
        "empty_ventilation_corridor",
        "closed_door_two_still",
        "cleaners_7am",
        "desk_jacket",
    ):
        assert wanted in names
    assert len(load_library()) == len(names) >= 10


# -- the sensor models ----------------------------------------------------------------------


def _levels(signals: list[Signal], source: str, duration: int) -> list[bool]:
    """Per second, the level a source's change signals describe."""
    out, level, changes = [], False, iter(s for s in signals if s.source == source)
    change = next(changes, None)
    for t in range(duration):
        while change is not None and change.at <= t:
            level, change = change.value >= 0.5, next(changes, None)
        out.append(level)
    return out


def _rises(levels: list[bool], start: int, end: int) -> list[int]:
    return [t for t in range(max(1, start), end) if levels[t] and not levels[t - 1]]


@pytest.mark.parametrize("name", ["lively_meeting_six", "cleaners_7am", "step_out", "desk_jacket"])
def test_the_same_seed_gives_the_same_signals_and_another_seed_others(name: str) -> None:
    loaded = load_session(name)  # between them: every kind of sensor model
    assert play(loaded, 7).signals == play(loaded, 7).signals
    assert play(loaded, 7).signals != play(loaded, 8).signals


def test_a_reader_rarely_moves_enough_for_a_pir_and_never_talks() -> None:
    loaded = load_session("reading_alone")
    duration = loaded.truth.duration_s
    longest_gaps, rates = [], []
    for seed in range(5):
        signals = play(loaded, seed).signals
        # While reading (after the walk in, before standing up): 4m..42m.
        pulses = _rises(_levels(signals, "pir", duration), 4 * 60, 42 * 60)
        rates.append(len(pulses) / 38)
        gaps = [b - a for a, b in zip([4 * 60, *pulses], [*pulses, 42 * 60], strict=True)]
        longest_gaps.append(max(gaps))
        presence = _levels(signals, "presence", duration)[4 * 60 : 42 * 60]
        assert sum(presence) / len(presence) > 0.9  # the radar sees breathing, with drop-outs
        simulated_seconds_talking = sum(_levels(signals, "speech", duration))
        assert simulated_seconds_talking < 30  # the reader is silent: a few false alarms at most
    assert max(rates) < 0.5  # pulses are minutes apart
    assert max(longest_gaps) >= 10 * 60  # and sometimes none for ten minutes or more


def test_a_lively_meeting_talks_most_minutes_and_the_radar_counts_three_at_most() -> None:
    loaded = load_session("lively_meeting_six")
    signals = play(loaded, 0).signals
    speech = _levels(signals, "speech", loaded.truth.duration_s)
    meeting = range(7, 47)
    talking = [m for m in meeting if any(speech[m * 60 : m * 60 + 60])]
    assert len(talking) >= 0.9 * len(meeting)
    counts = [s for s in signals if s.source == "ld2450" and 8 * 60 <= s.at < 47 * 60]
    assert max(s.value for s in counts) == 3
    saturated = [s for s in counts if s.value == 3 and s.at_least]
    assert len(saturated) >= 0.9 * len(counts)


def test_door_beams_follow_people_in_and_out() -> None:
    loaded = load_session("step_out")
    beams = [s for s in play(loaded, 0).signals if s.source == "door-beams"]
    at = {round(s.at): s.value for s in beams}
    assert at[10 * 60] == 1 and at[22 * 60] == 0 and at[30 * 60] == 1 and at[47 * 60] == 0


def test_co2_rises_with_people_towards_the_mass_balance_steady_state() -> None:
    loaded = load_session("lively_meeting_six")
    co2 = [s for s in play(loaded, 0).signals if s.kind == "co2"]
    before = next(s.value for s in co2 if s.at >= 3 * 60)
    late = next(s.value for s in co2 if s.at >= 47 * 60)
    room = loaded.session.room
    # Steady state: C_out + N G 3.6e6 / (V ACH), with G = 0.0052 L/s for seated people.
    steady = room.outdoor_co2_ppm + 6 * 0.0052 * 3.6e6 / (room.volume_m3 * room.air_changes_per_h)
    assert before < 500 and 800 < late < steady + 50


def test_a_jacket_keeps_a_seat_pad_on_but_not_a_desk_radar() -> None:
    loaded = load_session("desk_jacket")
    signals = play(loaded, 0).signals
    duration = loaded.truth.duration_s
    pad, radar = _levels(signals, "desk-d1", duration), _levels(signals, "desk-d2", duration)
    assert all(pad[30 * 60 :]) and not any(radar[30 * 60 :])
    assert sum(radar[5 * 60 : 25 * 60]) > 0.9 * 20 * 60


def test_an_empty_room_sees_no_people_only_disturbances() -> None:
    loaded = load_session("empty_ventilation_corridor")
    world = World.build(loaded.truth, loaded.session.room, random.Random(1))
    assert not any(world.present) and len(world.passers) == 20
    signals = play(loaded, 0).signals
    duration = loaded.truth.duration_s
    presence = _levels(signals, "presence", duration)
    assert 0 < sum(presence[: 45 * 60]) < 0.5 * 45 * 60  # ventilation false alarms, now and then


def test_the_session_viewer_lists_and_shows_minute_by_minute(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from edge.fusion.sessions.__main__ import main

    assert main(["--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert set(listing) == set(shipped_sessions())
    assert main(["no_show", "--seed", "2", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["session"] == "no_show" and len(shown["minutes"]) == 35
    assert all(row["count"] == 0 for row in shown["minutes"])
    assert all(row["sensors"]["door"] in range(61) for row in shown["minutes"])
    assert main(["no_such_session"]) == 1
    assert "no such session" in capsys.readouterr().err
