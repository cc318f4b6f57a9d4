"""The apply/rollback state machine of configuration push, with fake runtimes.

Each fake runtime writes what happens to it into one journal, so the tests assert on the
order of steps (stop the old one, build, start, health check, report) and on what the
terminal reports, never on time.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from contract.commands import ConfigCommand
from contract.config_loader import load_terminal_config
from contract.config_push import ConfigReason, ConfigReportData, config_version
from contract.terminal_config import TerminalConfig
from edge.config_apply import ConfigApplier, RollbackFailed
from edge.config_files import ConfigFiles
from edge.runtime import LoadedConfig, SetupError, preflight

from .conftest import AURORA, BOREALIS

TIMEOUT_S = 7.5  # handed through to the health check, never waited for here
ENV = {"QUORUM_MQTT_PASSWORD": "x"}


class World:
    """The journal and the faults the fakes act out."""

    def __init__(self) -> None:
        self.journal: list[tuple[Any, ...]] = []
        self.reports: list[ConfigReportData] = []
        self.setup_fails: dict[str, str] = {}  # version -> why its build fails
        self.unhealthy: dict[str, tuple[ConfigReason, str]] = {}  # version -> health failure

    def build(self, loaded: LoadedConfig) -> "FakeRuntime":
        self.journal.append(("build", loaded.version))
        if loaded.version in self.setup_fails:
            why = self.setup_fails[loaded.version]
            if why.startswith("bug:"):  # not a setup problem anyone foresaw
                raise KeyError(why)
            raise SetupError(why)
        return FakeRuntime(loaded, self)


class FakeRuntime:
    def __init__(self, loaded: LoadedConfig, world: World) -> None:
        self.loaded = loaded
        self._world = world

    def start(self, on_exit: Callable[[Any], None]) -> None:
        self._world.journal.append(("start", self.loaded.version))

    def stop(self, reason: str = "shutdown") -> None:
        self._world.journal.append(("stop", self.loaded.version, reason))

    def check_health(self, timeout_s: float, cancel: Any = None) -> tuple[ConfigReason, str] | None:
        self._world.journal.append(("health", self.loaded.version, timeout_s))
        return self._world.unhealthy.get(self.loaded.version)

    def report(self, data: ConfigReportData) -> None:
        self._world.journal.append(("report", self.loaded.version, data.version, data.outcome))
        self._world.reports.append(data)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def files(tmp_path: Path) -> ConfigFiles:
    path = tmp_path / "terminal.yaml"
    path.write_bytes(AURORA.read_bytes())
    return ConfigFiles(path)


def _running(world: World, files: ConfigFiles) -> FakeRuntime:
    content = files.path.read_bytes()
    config = load_terminal_config(files.path)
    return FakeRuntime(LoadedConfig(config, config_version(content), str(files.path)), world)


def _applier(
    world: World,
    files: ConfigFiles | None,
    check: Callable[[TerminalConfig, str, Mapping[str, str]], list[str]] = preflight,
) -> ConfigApplier:
    return ConfigApplier(
        files=files,
        build=world.build,
        preflight=check,
        environ=ENV,
        health_timeout_s=TIMEOUT_S,
        on_exit=lambda runtime: None,
    )


def _push(text: str) -> ConfigCommand:
    return ConfigCommand(version=config_version(text.encode()), yaml=text)


def _changed_heartbeat() -> str:
    return AURORA.read_text().replace("  heartbeat: 60s\n", "  heartbeat: 15s\n")


def test_a_good_configuration_is_applied_and_becomes_the_file(
    world: World, files: ConfigFiles
) -> None:
    old = _running(world, files)
    before = files.path.read_bytes()
    command = _push(_changed_heartbeat())
    now_running = _applier(world, files).apply(old, command)
    new = command.version
    assert world.journal == [
        ("stop", old.loaded.version, "reconfigure"),
        ("build", new),
        ("start", new),
        ("health", new, TIMEOUT_S),
        ("report", new, new, "applied"),
    ]
    assert now_running.loaded.version == new
    assert now_running.loaded.config.occupancy.heartbeat == 15.0
    assert world.reports[-1].running_version == new and world.reports[-1].reason is None
    assert files.path.read_bytes() == command.yaml.encode()
    assert files.last_good.read_bytes() == before
    assert not files.candidate.exists()


def test_the_version_already_running_is_applied_again_without_a_restart(
    world: World, files: ConfigFiles
) -> None:
    old = _running(world, files)
    command = _push(files.path.read_text())
    assert _applier(world, files).apply(old, command) is old
    assert world.journal == [("report", old.loaded.version, old.loaded.version, "applied")]


@pytest.mark.parametrize(
    ("text", "reason", "says"),
    [
        (AURORA.read_text().replace("GPIO17", "GPIO99"), "invalid", "sensors[0].pin"),
        ("just: [a, list\n", "invalid", "YAML syntax error"),
        (BOREALIS.read_text(), "wrong_terminal", "'term-hq-f1-borealis'"),
        (
            AURORA.read_text().replace("  port: 1883\n", "  port: 1883\n  prefix: acme\n"),
            "wrong_terminal",
            "topic prefix 'acme'",
        ),
        (
            AURORA.read_text().replace("env:QUORUM_MQTT_PASSWORD", "env:NOT_SET_HERE"),
            "setup_failed",
            "NOT_SET_HERE",
        ),
    ],
    ids=["bad-pin", "bad-yaml", "other-terminal", "other-prefix", "unset-password"],
)
def test_a_configuration_refused_up_front_changes_nothing(
    world: World, files: ConfigFiles, text: str, reason: str, says: str
) -> None:
    old = _running(world, files)
    before = files.path.read_bytes()
    command = _push(text)
    assert _applier(world, files).apply(old, command) is old
    assert world.journal == [("report", old.loaded.version, command.version, "rejected")]
    report = world.reports[-1]
    assert report.reason == reason and says in (report.detail or "")
    assert report.running_version == old.loaded.version
    assert files.path.read_bytes() == before
    assert not files.candidate.exists() and not files.last_good.exists()


def test_sensors_that_cannot_be_opened_roll_back_to_the_running_configuration(
    world: World, files: ConfigFiles
) -> None:
    old = _running(world, files)
    before = files.path.read_bytes()
    command = _push(_changed_heartbeat())
    world.setup_fails[command.version] = "sensor 'radar' on GPIO27: pin in use"
    now_running = _applier(world, files).apply(old, command)
    assert world.journal == [
        ("stop", old.loaded.version, "reconfigure"),
        ("build", command.version),
        ("build", old.loaded.version),
        ("start", old.loaded.version),
        ("report", old.loaded.version, command.version, "rolled_back"),
    ]
    assert now_running is not old and now_running.loaded == old.loaded
    report = world.reports[-1]
    assert (report.reason, report.detail) == (
        "setup_failed",
        "sensor 'radar' on GPIO27: pin in use",
    )
    assert report.running_version == old.loaded.version
    assert files.path.read_bytes() == before
    assert files.failed.read_bytes() == command.yaml.encode()  # kept for people to read


@pytest.mark.parametrize(
    "failure",
    [
        ("broker_unreachable", "no broker connection to localhost:1 in 7.5 s"),
        ("no_heartbeat", "the broker at localhost:1883 took no heartbeat in 7.5 s"),
    ],
)
def test_a_candidate_that_fails_its_health_check_is_stopped_and_rolled_back(
    world: World, files: ConfigFiles, failure: tuple[ConfigReason, str]
) -> None:
    old = _running(world, files)
    before = files.path.read_bytes()
    command = _push(AURORA.read_text().replace("  port: 1883\n", "  port: 1\n"))
    world.unhealthy[command.version] = failure
    now_running = _applier(world, files).apply(old, command)
    new = command.version
    assert world.journal == [
        ("stop", old.loaded.version, "reconfigure"),
        ("build", new),
        ("start", new),
        ("health", new, TIMEOUT_S),
        ("stop", new, "reconfigure"),
        ("build", old.loaded.version),
        ("start", old.loaded.version),
        ("report", old.loaded.version, new, "rolled_back"),
    ]
    assert now_running.loaded.version == old.loaded.version
    assert (world.reports[-1].reason, world.reports[-1].detail) == failure
    assert files.path.read_bytes() == before and not files.last_good.exists()


def test_when_the_previous_configuration_cannot_start_again_the_process_must_end(
    world: World, files: ConfigFiles
) -> None:
    old = _running(world, files)
    command = _push(_changed_heartbeat())
    world.setup_fails[command.version] = "sensor 'door' on GPIO22: busy"
    world.setup_fails[old.loaded.version] = "sensor 'door' on GPIO22: busy"
    with pytest.raises(RollbackFailed, match="cannot start again"):
        _applier(world, files).apply(old, command)
    assert world.reports == []  # nothing runs to send it; the file is still the good one
    assert load_terminal_config(files.path).occupancy.heartbeat == 60.0


class ReadOnlyFiles(ConfigFiles):
    def write_candidate(self, content: bytes) -> None:
        raise OSError(30, "Read-only file system")


def test_a_configuration_the_terminal_cannot_write_is_rejected(
    world: World, files: ConfigFiles
) -> None:
    old = _running(world, files)
    command = _push(_changed_heartbeat())
    _applier(world, ReadOnlyFiles(files.path)).apply(old, command)
    assert world.journal == [("report", old.loaded.version, command.version, "rejected")]
    assert world.reports[-1].reason == "not_writable"
    assert "Read-only file system" in (world.reports[-1].detail or "")


def test_a_terminal_without_a_file_rejects_every_push(world: World, files: ConfigFiles) -> None:
    old = _running(world, files)
    _applier(world, None).apply(old, _push(_changed_heartbeat()))
    assert [r.reason for r in world.reports] == ["no_config_file"]


def test_pushes_in_a_row_each_start_from_what_runs(world: World, files: ConfigFiles) -> None:
    applier = _applier(world, files)
    first = _push(_changed_heartbeat())
    bad = _push(first.yaml.replace("  port: 1883\n", "  port: 1\n"))
    world.unhealthy[bad.version] = ("broker_unreachable", "no broker connection")
    running = applier.apply(_running(world, files), first)
    running = applier.apply(running, bad)
    assert [(r.version, r.outcome) for r in world.reports] == [
        (first.version, "applied"),
        (bad.version, "rolled_back"),
    ]
    assert running.loaded.version == first.version  # back to the first push, not the file
    assert files.path.read_bytes() == first.yaml.encode()
    assert files.last_good.read_bytes() == AURORA.read_bytes()


def test_an_unforeseen_error_while_building_is_rolled_back_too(
    world: World, files: ConfigFiles
) -> None:
    old = _running(world, files)
    command = _push(_changed_heartbeat())
    world.setup_fails[command.version] = "bug: no such counter driver"
    now_running = _applier(world, files).apply(old, command)
    assert now_running.loaded.version == old.loaded.version
    report = world.reports[-1]
    assert (report.outcome, report.reason) == ("rolled_back", "setup_failed")
    assert report.detail == "KeyError: 'bug: no such counter driver'"
