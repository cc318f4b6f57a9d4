"""Scenario files: timed sensor changes that drive a simulated terminal.

The format is documented in docs/scenarios.md. Like terminal configs, the
schema is strict (unknown keys are errors) and every problem names the file,
the line and the field; shipped scenarios live in ``edge/scenarios/``.
"""

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from contract.config_loader import ConfigProblem
from contract.ids import Slug
from contract.terminal_config import COUNTING_KINDS, SensorKind, TerminalConfig
from contract.units import Duration, parse_duration
from contract.yaml_locations import dotted, line_of, plain

DAY_S = 86400.0
DEFAULT_PULSE_WIDTH_S = 2.0
_CLOCK_RE = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?$")


def parse_offset(value: Any) -> float:
    """An offset from the anchor: a duration ("9h30m", 570) or a clock time "09:30[:00]"."""
    if isinstance(value, str):
        match = _CLOCK_RE.match(value.strip())
        if match:
            hours, minutes, seconds = match.groups()
            return int(hours) * 3600.0 + int(minutes) * 60.0 + float(seconds or 0)
    try:
        return parse_duration(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time: write a clock time like '09:30' "
            "or a duration like '90s', '1h30m'"
        ) from None


Offset = Annotated[float, BeforeValidator(parse_offset)]


class Action(StrEnum):
    ON = "on"  # the sensor becomes active and stays so
    OFF = "off"
    PULSE = "pulse"  # active for `width`, once or every `every` until `until`
    OPEN = "open"  # door_contact only: the contact opens (inactive)
    CLOSE = "close"  # door_contact only: the door shuts (contact active)


DOOR_ACTIONS = frozenset({Action.OPEN, Action.CLOSE})


def _action_from_bool(value: Any) -> Any:
    # YAML 1.1 tools read unquoted on/off as booleans; mean what the author wrote.
    if isinstance(value, bool):
        return Action.ON if value else Action.OFF
    return value


ActionField = Annotated[Action, BeforeValidator(_action_from_bool)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    at: Offset
    sensor: Slug
    action: ActionField
    every: Duration | None = None
    until: Offset | None = None
    # Pulses start up to `jitter` late, from a seeded generator: repeatable realism.
    jitter: Duration = 0.0
    width: Duration = DEFAULT_PULSE_WIDTH_S

    @model_validator(mode="after")
    def _repeat_rules(self) -> "Step":
        if self.action is not Action.PULSE and (self.every is not None or self.until is not None):
            raise ValueError("'every' and 'until' only go with action: pulse")
        if (self.every is None) != (self.until is None):
            raise ValueError("a repeated pulse needs both 'every' and 'until'")
        if self.width <= 0:
            raise ValueError("width must be more than 0 s")
        if self.every is not None and self.until is not None:
            if self.every <= 0:
                raise ValueError("every must be more than 0 s")
            if self.until <= self.at:
                raise ValueError("until must be later than at")
            if self.jitter + self.width >= self.every:
                raise ValueError("jitter + width must be shorter than every, or pulses would merge")
        elif self.jitter:
            raise ValueError("jitter only goes with repeated pulses (every/until)")
        return self

    @property
    def last_offset(self) -> float:
        """The latest moment this step touches, relative to the anchor."""
        end = self.until if self.until is not None else self.at
        return end + (self.jitter + self.width if self.action is Action.PULSE else 0.0)


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    # start: `at` counts from the simulated start; local_midnight: `at` is a
    # time of day in the room's time zone (so meetings at 09:30 look real).
    anchor: Literal["start", "local_midnight"] = "start"
    # Repeat every period (e.g. 24h); omitted: play once.
    period: Duration | None = None
    seed: int = 0
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _period_rules(self) -> "Scenario":
        if self.period is None:
            return self
        if self.period <= 0:
            raise ValueError("period must be more than 0 s")
        if self.anchor == "local_midnight" and self.period % DAY_S:
            raise ValueError("with anchor: local_midnight the period is whole days (24h, 48h, 7d)")
        for index, step in enumerate(self.steps):
            if step.last_offset > self.period:
                raise ValueError(f"steps[{index}] ends after the period of {self.period:g} s")
        return self

    @property
    def sensor_ids(self) -> set[str]:
        return {step.sensor for step in self.steps}


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    source: str
    # 1-based line of each step in the file, for errors found later (against a config).
    step_lines: tuple[int | None, ...]


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` read FILE:LINE: path: message."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def shipped_scenarios() -> dict[str, str]:
    """Names of the scenarios shipped in ``edge/scenarios`` and their descriptions."""
    found: dict[str, str] = {}
    for entry in sorted(resources.files("edge.scenarios").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            text = entry.read_text(encoding="utf-8")
            found[entry.name.removesuffix(".yaml")] = _first_description(text)
    return found


def load_scenario(reference: str) -> LoadedScenario:
    """Load a scenario from a file path, or by the name of a shipped scenario."""
    path = Path(reference)
    if path.is_file():
        return parse_scenario(path.read_text(encoding="utf-8"), str(path))
    name = reference.removesuffix(".yaml").replace("-", "_")  # meeting-room-day works too
    shipped = resources.files("edge.scenarios").joinpath(f"{name}.yaml")
    if shipped.is_file():
        return parse_scenario(shipped.read_text(encoding="utf-8"), f"edge/scenarios/{name}.yaml")
    names = sorted(shipped_scenarios())
    guess = difflib.get_close_matches(name, names, n=1)
    raise ScenarioError(
        [
            ConfigProblem(
                reference,
                None,
                "",
                "no such scenario file, and no shipped scenario of that name "
                f"(shipped: {', '.join(names)})",
                guess[0] if guess else None,
            )
        ]
    )


def parse_scenario(text: str, source: str) -> LoadedScenario:
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(
            [ConfigProblem(source, line, "", f"YAML syntax error: {exc.problem or exc}")]
        ) from None
    if not isinstance(document, CommentedMap):
        raise ScenarioError(
            [ConfigProblem(source, 1, "", "a scenario is a YAML mapping (name, steps, ...)")]
        )
    try:
        scenario = Scenario.model_validate(plain(document))
    except ValidationError as exc:
        raise ScenarioError([_problem(source, document, err) for err in exc.errors()]) from None
    steps = document.get("steps")
    lines = tuple(line_of(document, ("steps", i)) for i in range(len(steps))) if steps else ()
    return LoadedScenario(scenario, source, lines)


def check_against_config(loaded: LoadedScenario, config: TerminalConfig, config_name: str) -> None:
    """Every step must name a sensor of this terminal, and door actions a door contact."""
    kinds = {s.id: s.kind for s in config.sensors}
    problems: list[ConfigProblem] = []
    for index, step in enumerate(loaded.scenario.steps):
        line = loaded.step_lines[index] if index < len(loaded.step_lines) else None
        where = f"steps[{index}].sensor"
        kind = kinds.get(step.sensor)
        if kind is None:
            guess = difflib.get_close_matches(step.sensor, list(kinds), n=1)
            problems.append(
                ConfigProblem(
                    loaded.source,
                    line,
                    where,
                    f"sensor {step.sensor!r} is not in {config_name} "
                    f"(its sensors: {', '.join(kinds)})",
                    guess[0] if guess else None,
                )
            )
        elif kind in COUNTING_KINDS:
            # Steps switch levels; counters are driven by their own simulators (edge/counting/).
            problems.append(
                ConfigProblem(
                    loaded.source,
                    line,
                    where,
                    f"{step.sensor!r} is a {kind.value} people counter; "
                    "scenario steps drive binary sensors only",
                )
            )
        elif step.action in DOOR_ACTIONS and kind is not SensorKind.DOOR_CONTACT:
            problems.append(
                ConfigProblem(
                    loaded.source,
                    line,
                    f"steps[{index}].action",
                    f"{step.action.value!r} is for door_contact sensors; "
                    f"{step.sensor!r} is {kind.value}",
                    "on" if step.action is Action.CLOSE else "off",
                )
            )
    if problems:
        raise ScenarioError(problems)


# -- located errors (the same shape as terminal config errors) ------------------


def _problem(source: str, document: CommentedMap, err: Any) -> ConfigProblem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    message = str(err["msg"]).removeprefix("Value error, ")
    suggestion = None
    if err["type"] == "extra_forbidden":
        message = "unknown field"
        names = Step.model_fields if "steps" in loc else Scenario.model_fields
        guess = difflib.get_close_matches(str(loc[-1]), list(names), n=1)
        suggestion = guess[0] if guess else None
    elif err["type"] == "missing":
        message = "required field is missing"
    elif loc and loc[-1] in ("action", "anchor") and isinstance(err.get("input"), str):
        choices = [a.value for a in Action] if loc[-1] == "action" else ["start", "local_midnight"]
        guess = difflib.get_close_matches(err["input"], choices, n=1)
        suggestion = guess[0] if guess else None
    return ConfigProblem(source, line_of(document, loc), dotted(loc), message, suggestion)


def _first_description(text: str) -> str:
    try:
        document = YAML(typ="safe").load(text)
    except MarkedYAMLError:
        return ""
    if isinstance(document, dict):
        return " ".join(str(document.get("description", "")).split())
    return ""
