"""Scenario files: strict parsing with located errors, and checks against a config."""

from pathlib import Path

import pytest

from contract.config_loader import load_terminal_config
from contract.terminal_config import TerminalConfig
from edge.scenario import (
    Action,
    ScenarioError,
    check_against_config,
    load_scenario,
    parse_offset,
    parse_scenario,
    shipped_scenarios,
)

from .conftest import AURORA, BOREALIS, COSMOS, EAST_DESKS

GOOD = """\
name: test
anchor: local_midnight
period: 24h
steps:
  - {at: "09:00", sensor: radar, action: "on"}
  - {at: "09:00", sensor: pir-ceiling, action: pulse, every: 30s, until: "10:00", jitter: 5s}
  - {at: "10:00", sensor: radar, action: "off"}
  - {at: "10:00", sensor: door, action: open}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "s.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_good_scenario_parses() -> None:
    loaded = parse_scenario(GOOD, "s.yaml")
    scenario = loaded.scenario
    assert scenario.anchor == "local_midnight" and scenario.period == 86400
    assert scenario.steps[1].every == 30 and scenario.steps[1].until == 36000
    assert scenario.steps[3].action is Action.OPEN
    assert loaded.step_lines == (5, 6, 7, 8)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("09:30", 34200), ("9:30:15", 34215), ("90s", 90), ("1h30m", 5400), (300, 300), ("0", 0)],
)
def test_offsets_are_clock_times_or_durations(value: object, seconds: float) -> None:
    assert parse_offset(value) == seconds


def test_an_unknown_field_names_the_line_and_suggests() -> None:
    text = GOOD.replace("jitter: 5s", "jiter: 5s")
    assert problems_of(text) == ["s.yaml:6: steps[1].jiter: unknown field (did you mean jitter?)"]


def test_a_misspelled_action_is_suggested() -> None:
    text = GOOD.replace('action: "off"', "action: of")
    [problem] = problems_of(text)
    assert problem.startswith("s.yaml:7: steps[2].action:") and "(did you mean off?)" in problem


def test_every_problem_is_reported() -> None:
    text = "name: x\nperiod: soon\nsteps:\n  - {at: 'lunch', sensor: radar, action: 'on'}\n"
    problems = problems_of(text)
    assert len(problems) == 2
    assert problems[0].startswith("s.yaml:2: period:")
    assert (
        problems[1].startswith("s.yaml:4: steps[0].at:") and "'lunch' is not a time" in problems[1]
    )


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("{at: 0, sensor: pir, action: 'on', every: 10s, until: 1m}", "only go with action: pulse"),
        ("{at: 0, sensor: pir, action: pulse, every: 10s}", "needs both 'every' and 'until'"),
        ("{at: 1m, sensor: pir, action: pulse, every: 10s, until: 30s}", "until must be later"),
        ("{at: 0, sensor: pir, action: pulse, every: 10s, until: 1m, jitter: 9s}", "would merge"),
        ("{at: 0, sensor: pir, action: pulse, jitter: 1s}", "jitter only goes with"),
        ("{at: 0, sensor: PIR, action: pulse}", "should match pattern"),
    ],
)
def test_step_rules(step: str, message: str) -> None:
    [problem] = problems_of(f"name: x\nsteps:\n  - {step}\n")
    assert message in problem and problem.startswith("s.yaml:3: steps[0]")


def test_local_midnight_periods_are_whole_days() -> None:
    text = GOOD.replace("period: 24h", "period: 12h")
    assert any("whole days" in p for p in problems_of(text))


def test_steps_must_fit_in_the_period() -> None:
    text = "name: x\nperiod: 1h\nsteps:\n  - {at: 2h, sensor: radar, action: 'on'}\n"
    assert any("ends after the period" in p for p in problems_of(text))


def test_yaml_errors_and_wrong_shapes_are_located() -> None:
    assert problems_of("name: [\n")[0].startswith("s.yaml:2: YAML syntax error")
    assert problems_of("- a\n- b\n") == [
        "s.yaml:1: a scenario is a YAML mapping (name, steps, ...)"
    ]
    assert problems_of("name: x\n") == ["s.yaml:1: steps: required field is missing"]


def test_a_scenario_may_only_name_sensors_of_the_config(aurora_config: TerminalConfig) -> None:
    text = GOOD.replace('sensor: radar, action: "on"', 'sensor: radr, action: "on"')
    loaded = parse_scenario(text, "s.yaml")
    with pytest.raises(ScenarioError) as caught:
        check_against_config(loaded, aurora_config, "aurora.yaml")
    [problem] = [str(p) for p in caught.value.problems]
    assert problem == (
        "s.yaml:5: steps[0].sensor: sensor 'radr' is not in aurora.yaml "
        "(its sensors: pir-ceiling, radar, door) (did you mean radar?)"
    )


def test_door_actions_only_go_with_door_contacts(aurora_config: TerminalConfig) -> None:
    loaded = parse_scenario(
        "name: x\nsteps:\n  - {at: 0, sensor: radar, action: close}\n", "s.yaml"
    )
    with pytest.raises(ScenarioError, match="'close' is for door_contact sensors"):
        check_against_config(loaded, aurora_config, "aurora.yaml")


def test_loading_by_path_or_shipped_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD)
    assert load_scenario(str(path)).source == str(path)
    assert load_scenario("meeting_room_day").scenario.name == "meeting_room_day"
    assert load_scenario("meeting-room-day").scenario.name == "meeting_room_day"


def test_an_unknown_scenario_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("meeting_rom_day")
    [problem] = caught.value.problems
    assert problem.suggestion == "meeting_room_day"
    assert "huddle_room_day" in problem.message


SHIPPED_FOR = {
    "meeting_room_day": AURORA,
    "huddle_room_day": BOREALIS,
    "boardroom_day": COSMOS,
    "desk_cluster_day": EAST_DESKS,
}


def test_every_shipped_scenario_has_a_description_and_a_config_it_fits() -> None:
    shipped = shipped_scenarios()
    assert set(shipped) == set(SHIPPED_FOR)
    for name, config_path in SHIPPED_FOR.items():
        assert shipped[name]
        loaded = load_scenario(name)
        assert loaded.scenario.name == name
        check_against_config(loaded, load_terminal_config(config_path), config_path.name)
