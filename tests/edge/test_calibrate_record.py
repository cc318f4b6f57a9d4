"""``calibrate record``: the room's sensors (on MockFactory pins, as on a Pi) and a person's
present/absent marks written as a recording that ``calibrate fit`` takes."""

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory
from typer.testing import CliRunner

from common.clock import SystemClock
from contract.terminal_config import TerminalConfig
from edge.calibrate_record import RecordSummary, record
from edge.cli import app
from edge.fusion.recorder import LabelError, parse_label
from edge.fusion.recording import load_jsonl
from edge.fusion.sessions import load_session
from edge.fusion.sessions.play import terminal_config
from edge.sensors import drive_mock_pin, effective_pull_up

runner = CliRunner()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Room:
    """A recording running in a thread, with the pins and the keyboard of the person."""

    def __init__(self, path: Path) -> None:
        self.config: TerminalConfig = terminal_config(load_session("closed_door_two_still").session)
        self.factory = MockFactory()
        self.commands: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []
        self.stop = threading.Event()
        self.result: list[RecordSummary] = []
        self.path = path
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        self.result.append(
            record(
                self.config,
                self.path,
                self.factory,
                SystemClock(),
                [],
                self.commands,
                self.said.append,
                self.stop,
            )
        )

    def set(self, sensor_id: str, active: bool) -> None:
        sensor = next(s for s in self.config.sensors if s.id == sensor_id)
        drive_mock_pin(self.factory.pin(sensor.pin), active, effective_pull_up(sensor))

    def type(self, text: str, expect: str) -> None:
        before = len(self.said)
        self.commands.put(text)
        wait_until(lambda: any(expect in s for s in self.said[before:]), f"the reply to {text!r}")


def test_a_recording_made_on_the_terminal_can_be_fitted(tmp_path: Path) -> None:
    room = Room(tmp_path / "rec.jsonl")
    room.thread.start()
    wait_until(room.path.exists, "the recording to start")
    room.set("door", True)  # closed
    room.type("p", "present")
    room.set("pir", True)
    room.set("pir", False)
    room.type("maybe", "is not a label")  # a typo loses nothing and says what is expected
    room.set("door", False)  # opened: they leave
    room.type("A", "absent")
    room.commands.put("q")
    room.thread.join(timeout=10)
    assert not room.thread.is_alive()

    [summary] = room.result
    assert summary.usable and summary.labels == 2 and summary.signals >= 6
    [recording] = load_jsonl(room.path)
    assert [occupied for _, occupied in recording.labels] == [True, False]
    seen = [(s.kind, s.source, s.value) for s in recording.signals]
    # Levels at the start are state (all quiet, the door open), then every edge in order.
    assert set(seen[:2]) == {("pir", "pir", 0.0), ("door", "door", 0.0)}
    assert seen[2:] == [
        ("door", "door", 1.0),
        ("pir", "pir", 1.0),
        ("pir", "pir", 0.0),
        ("door", "door", 0.0),
    ]
    times = [s.at for s in recording.signals]
    assert times == sorted(times)
    assert recording.labels[0][0] <= times[3] and recording.labels[1][0] >= times[-1]

    fitted = runner.invoke(app, ["calibrate", "fit", str(room.path), "--json"])
    assert fitted.exit_code == 0, fitted.output


def test_stopping_part_way_keeps_everything_recorded(tmp_path: Path) -> None:
    room = Room(tmp_path / "rec.jsonl")
    room.thread.start()
    wait_until(room.path.exists, "the recording to start")
    room.type("present", "present")
    room.set("pir", True)
    wait_until(lambda: '"value": 1.0' in room.path.read_text(), "the pulse to be written")
    room.stop.set()  # Ctrl-C
    room.thread.join(timeout=10)
    lines = room.path.read_text().splitlines()
    assert '"type": "end"' in lines[-1]
    [recording] = load_jsonl(room.path)
    assert recording.labels[0][1] is True
    assert any(s.kind == "pir" and s.value == 1.0 for s in recording.signals)


@pytest.mark.parametrize(
    ("typed", "label"),
    [("p", True), (" Present\n", True), ("in", True), ("a", False), ("EMPTY", False), ("q", None)],
)
def test_labels_are_forgiving_words(typed: str, label: bool | None) -> None:
    assert parse_label(typed) is label


def test_a_word_that_is_not_a_label_says_which_are() -> None:
    with pytest.raises(LabelError, match=r"type p .* a .* q"):
        parse_label("yes")


def test_without_gpio_the_command_says_what_to_do(tmp_path: Path) -> None:
    config = terminal_config(load_session("closed_door_two_still").session)
    config_file = tmp_path / "terminal.yaml"
    config_file.write_text(_yaml(config))
    out = tmp_path / "rec.jsonl"
    result = runner.invoke(
        app, ["calibrate", "record", "--config", str(config_file), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "lgpio" in result.output or "GPIO" in result.output
    assert "calibrate simulate" in result.output
    assert not out.exists()


def test_an_existing_recording_is_never_overwritten(tmp_path: Path) -> None:
    config = terminal_config(load_session("closed_door_two_still").session)
    config_file = tmp_path / "terminal.yaml"
    config_file.write_text(_yaml(config))
    out = tmp_path / "rec.jsonl"
    out.write_text("precious\n")
    result = runner.invoke(
        app, ["calibrate", "record", "--config", str(config_file), "--out", str(out)]
    )
    assert result.exit_code == 1 and "never overwritten" in result.output
    assert out.read_text() == "precious\n"


def _yaml(config: TerminalConfig) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    buffer = io.StringIO()
    yaml.dump(config.model_dump(mode="json", exclude_none=True), buffer)
    return buffer.getvalue()
