"""A terminal without hardware: the simulated clock, mock pins, and the world that moves them.

Two worlds (docs/scenarios.md): a *scenario* (``--simulate``: timed level changes on the binary
sensors' pins; configured people counters stay silent, as scenarios cannot drive them) or a
labelled fusion *session* (``--session``: the session's room, with every signal entering where a
real one would, see edge/session_player.py).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from common.clock import Clock
from contract.terminal_config import COUNTING_KINDS, TerminalConfig
from edge.agent import Agent
from edge.counting.base import PeopleCounter
from edge.fusion.sessions import Played
from edge.player import ScenarioPlayer
from edge.publisher import Publisher
from edge.runner import Player
from edge.scenario import LoadedScenario, check_against_config, load_scenario
from edge.sensors import MockSensorDriver, SensorBank
from edge.session_player import (
    SessionCounter,
    build_session_player,
    default_start,
    session_counters,
)
from edge.simclock import SimulatedClock, parse_start
from edge.timeline import compile_timeline

log = logging.getLogger(__name__)


@dataclass
class Simulation:
    clock: SimulatedClock
    pin_factory: Any
    speed: float
    scenario: LoadedScenario | None = None
    played: Played | None = None
    session_counters: list[SessionCounter] = field(default_factory=list)

    def counters(self, config: TerminalConfig) -> list[PeopleCounter]:
        """The people counters the terminal reads: a session's, or none in a scenario."""
        if self.played is None:
            for sensor in config.sensors:
                if sensor.kind in COUNTING_KINDS:
                    log.info("counter %s stays silent: scenarios drive binary sensors", sensor.id)
        return list(self.session_counters)

    def player(
        self,
        config: TerminalConfig,
        sensors: SensorBank,
        publisher: Publisher,
        agent: Agent,
        timezone: ZoneInfo,
    ) -> Player:
        when = self.clock.now().astimezone(timezone).isoformat(timespec="seconds")
        if self.played is not None:
            log.info(
                "playing session %r (seed %d) from %s at %gx",
                self.played.name,
                self.played.seed,
                when,
                self.speed,
            )
            return build_session_player(
                self.played, config, sensors, publisher, agent, self.session_counters, self.clock
            )
        assert self.scenario is not None
        driver = MockSensorDriver(sensors, config.sensors)
        timeline = partial(compile_timeline, self.scenario.scenario, timezone)
        name = self.scenario.scenario.name
        log.info("simulating %r from %s at %gx", name, when, self.speed)
        return ScenarioPlayer(timeline, driver.set_active, self.clock, name)


def simulate_scenario(
    reference: str,
    config: TerminalConfig,
    config_name: str,
    start: str | None,
    speed: float,
    real: Clock,
) -> Simulation:
    """``--simulate``; raises ScenarioError or ValueError (a bad start) with what to fix."""
    loaded = load_scenario(reference)
    check_against_config(loaded, config, config_name)
    clock = SimulatedClock(parse_start(start or "now", real.now()), speed, real)
    return Simulation(clock, mock_pin_factory(), speed, scenario=loaded)


def simulate_session(
    played: Played, config: TerminalConfig, start: str | None, speed: float, real: Clock
) -> Simulation:
    """``--session``; without ``start`` the session ends at the real now. ValueError for a bad
    start."""
    now = real.now()
    begin: datetime = (
        parse_start(start, now) if start else default_start(now, played.loaded.truth.duration_s)
    )
    clock = SimulatedClock(begin, speed, real)
    counters = list(session_counters(config).values())
    return Simulation(clock, mock_pin_factory(), speed, played=played, session_counters=counters)


def mock_pin_factory() -> Any:
    from gpiozero.pins.mock import MockFactory

    return MockFactory()
