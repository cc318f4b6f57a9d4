"""The terminal process's main loop: configuration commands in order, stop, and failures."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from contract.commands import ConfigCommand, encode_config_command
from contract.config_loader import load_terminal_config
from contract.config_push import ConfigReportData, config_version
from edge.command_router import Handler
from edge.config_files import ConfigFiles
from edge.runtime import LoadedConfig, preflight
from edge.spool import DROP_ORDER, classify
from edge.supervisor import SupervisedNotifier, Supervisor

from .conftest import AURORA


@dataclass
class Message:
    """The part of paho's MQTTMessage the handler reads."""

    payload: bytes
    topic: str = "quorum/v1/rooms/hq-f1-aurora/devices/term-hq-f1-aurora/cmd/config"


class Runtime:
    def __init__(self, loaded: LoadedConfig, log: list[Any]) -> None:
        self.loaded = loaded
        self._log = log
        self.on_exit: Any = None

    def start(self, on_exit: Any) -> None:
        self.on_exit = on_exit
        self._log.append(("start", self.loaded.version))

    def stop(self, reason: str = "shutdown") -> None:
        self._log.append(("stop", self.loaded.version, reason))

    def check_health(self, timeout_s: float, cancel: Any = None) -> None:
        return None

    def report(self, data: ConfigReportData) -> None:
        self._log.append(("report", data.version, data.outcome, data.reason))


class Notifier:
    def __init__(self, log: list[Any]) -> None:
        self._log = log

    def ready(self, status: str | None = None) -> bool:
        self._log.append("READY")
        return True

    def stopping(self) -> bool:
        self._log.append("STOPPING")
        return True


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Supervisor, list[Any], list[Mapping[str, Handler]]]:
    path = tmp_path / "terminal.yaml"
    path.write_bytes(AURORA.read_bytes())
    log: list[Any] = []
    handlers: list[Mapping[str, Handler]] = []

    def build(loaded: LoadedConfig, commands: Mapping[str, Handler]) -> Runtime:
        handlers.append(commands)
        return Runtime(loaded, log)

    initial = LoadedConfig(
        load_terminal_config(path), config_version(path.read_bytes()), str(path), path
    )
    supervisor = Supervisor(
        initial,
        build=build,
        files=ConfigFiles(path),
        preflight=preflight,
        environ={"QUORUM_MQTT_PASSWORD": "x"},
        health_timeout_s=1.0,
        notifier=SupervisedNotifier(Notifier(log)),
    )
    supervisor.start()
    return supervisor, log, handlers


def _command(text: str) -> bytes:
    return encode_config_command(ConfigCommand(version=config_version(text.encode()), yaml=text))


def test_commands_are_applied_in_order_and_stop_ends_with_0(setup: Any) -> None:
    supervisor, log, handlers = setup
    first = AURORA.read_text().replace("heartbeat: 60s", "heartbeat: 30s")
    second = first.replace("heartbeat: 30s", "heartbeat: 20s")
    # Every runtime gets the config handler; the first one's hears both pushes.
    handle = handlers[0]["config"]
    handle(Message(_command(first)))
    handle(Message(_command(second)))
    supervisor.stop()
    assert supervisor.run() == 0
    v0, v1, v2 = (
        config_version(AURORA.read_bytes()),
        config_version(first.encode()),
        config_version(second.encode()),
    )
    assert log == [
        ("start", v0),
        ("stop", v0, "reconfigure"),
        ("start", v1),
        ("report", v1, "applied", None),
        ("stop", v1, "reconfigure"),
        ("start", v2),
        ("report", v2, "applied", None),
        ("stop", v2, "shutdown"),
    ]
    assert all("config" in h for h in handlers)


def test_a_command_that_does_not_decode_is_rejected_if_it_names_its_version(setup: Any) -> None:
    supervisor, log, handlers = setup
    text = AURORA.read_text()
    raw = orjson.loads(_command(text))
    raw["command"]["yaml"] = text + "# edited on the way\n"  # no longer its version's text
    handlers[0]["config"](Message(orjson.dumps(raw)))
    handlers[0]["config"](Message(b"not json at all"))  # names nothing: logged only
    supervisor.stop()
    assert supervisor.run() == 0
    reports = [entry for entry in log if entry[0] == "report"]
    assert reports == [("report", raw["command"]["version"], "rejected", "invalid")]


def test_the_running_configuration_ending_by_itself_ends_the_process_with_1(setup: Any) -> None:
    supervisor, log, _ = setup
    running = supervisor.current
    running.on_exit(running)  # its loop failed: the thread ends and says so
    assert supervisor.run() == 1
    assert log[-1] == ("stop", running.loaded.version, "shutdown")


def test_systemd_hears_stopping_only_when_the_process_stops() -> None:
    log: list[str] = []
    notifier = SupervisedNotifier(Notifier(log))
    notifier.ready("sensing")
    notifier.stopping()  # one runtime replacing another
    notifier.ready("sensing")
    notifier.final = True
    notifier.stopping()
    assert log == ["READY", "READY", "STOPPING"]


def test_the_spool_never_drops_an_answer_to_a_push() -> None:
    topic = "quorum/v1/rooms/hq-f1-aurora/devices/term-hq-f1-aurora/events/config"
    assert classify(topic) not in DROP_ORDER
