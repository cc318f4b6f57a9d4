"""The running terminal's part (edge/update/terminal.py): answering ``cmd/update``, the
health stamp, and publishing the guard's reports through the real publisher, in order."""

from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from common.clock import FakeClock
from contract.messages import decode
from contract.update_commands import UpdateCommand, encode_update_command
from contract.update_data import UpdateReportData
from devtools.waiting import wait_for
from edge.publisher import Identity, MessageBuilder, Publisher, Sequencer
from edge.update.files import Journal, UpdateDir
from edge.update.terminal import TerminalUpdates


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False):
        self.messages.append((topic, payload))
        return SimpleNamespace(
            wait_for_publish=lambda timeout=None: None, is_published=lambda: True
        )


@pytest.fixture
def parts(tmp_path: Path):
    identity = Identity(
        "quorum", "hq-f1-aurora", "term-hq-f1-aurora", "20261128T020000-aa", "0.1.0"
    )
    sink, clock = Sink(), FakeClock()
    publisher = Publisher(MessageBuilder(identity, Sequencer()), sink, clock)
    files = UpdateDir(tmp_path / "update")
    return files, publisher, sink, clock


def command(version: str = "0.2.0", rollout: int = 3) -> SimpleNamespace:
    """An MQTT message carrying the hub's update command."""
    made = UpdateCommand(
        rollout=rollout,
        version=version,
        url="https://hub.example.org/releases/download/token",
        sha256="a" * 64,
        size_bytes=10,
        filename="quorum_rooms-0.2.0-py3-none-any.whl",
    )
    return SimpleNamespace(payload=encode_update_command(made))


def _command_json(version: str, rollout: int) -> bytes:
    return orjson.dumps(orjson.loads(command(version, rollout).payload)["command"])


def published(sink: Sink) -> list[tuple[str, str | None]]:
    found = []
    for topic, payload in sink.messages:
        message = decode(topic, payload)
        assert isinstance(message.data, UpdateReportData)
        found.append((message.data.state, message.data.reason))
    return found


def test_a_command_becomes_a_request_and_an_accepted_report(parts) -> None:
    files, publisher, sink, clock = parts
    updates = TerminalUpdates(files, publisher, clock, enabled=True)
    updates.on_message(command())
    updates.step()
    assert [p.name for p in files.pending_requests()] == ["3-0.2.0.json"]
    assert published(sink) == [("accepted", None)]
    assert files.pending_reports() == []  # in the spool now, not on disk twice


def test_what_the_terminal_answers_itself(parts) -> None:
    files, publisher, sink, clock = parts
    off = TerminalUpdates(files, publisher, clock, enabled=False)
    off.on_message(command())
    off.step()
    on = TerminalUpdates(files, publisher, clock, enabled=True)
    on.on_message(command("0.1.0"))  # what it runs already
    on.step()
    files.write_journal(Journal(2, "0.1.5", "0.1.0", None, "switched"))
    on.on_message(command())
    on.step()
    assert published(sink) == [("failed", "updates_off"), ("healthy", None), ("failed", "busy")]
    assert files.pending_requests() == []


def test_a_command_sent_again_during_its_update_is_not_answered(parts) -> None:
    """The guard's outcome is the answer; "running already" from the new version, before its
    health check is over, would be a premature one."""
    files, publisher, sink, clock = parts
    files.write_journal(Journal(3, "0.1.0", "0.0.9", None, "switched"))  # it runs 0.1.0 now
    updates = TerminalUpdates(files, publisher, clock, enabled=True)
    updates.on_message(command("0.1.0", rollout=3))
    updates.step()
    assert sink.messages == []
    files.clear_journal()
    files.add_request(UpdateCommand.model_validate_json(_command_json("0.2.0", 4)))
    updates.on_message(command("0.2.0", rollout=4))  # waiting for the guard: same again
    updates.step()
    assert sink.messages == [] and len(files.pending_requests()) == 1


def test_the_guards_reports_go_out_oldest_first_and_bad_files_are_dropped(parts) -> None:
    files, publisher, sink, clock = parts
    for state in ("installed", "rolled_back"):
        files.add_report(UpdateReportData(rollout=3, version="0.2.0", state=state))
    (files.reports / "99999999999999999999-junk.json").write_text("{not json")
    updates = TerminalUpdates(files, publisher, clock, enabled=True)
    assert updates.publish_reports() == 2
    assert [state for state, _ in published(sink)] == ["installed", "rolled_back"]
    assert files.pending_reports() == []


def test_a_garbled_command_is_ignored(parts) -> None:
    files, publisher, sink, clock = parts
    updates = TerminalUpdates(files, publisher, clock, enabled=True)
    updates.on_message(SimpleNamespace(payload=b'{"v": 1, "command": {"type": "update"}}'))
    updates.step()
    assert sink.messages == [] and files.pending_requests() == []


def test_the_health_stamp_names_version_and_boot_once_online(parts) -> None:
    files, publisher, _, clock = parts
    updates = TerminalUpdates(files, publisher, clock, enabled=True, poll_s=0.01)
    updates.start()
    try:
        publisher.announce_online()
        stamp = wait_for(files.read_health, "the health stamp")
    finally:
        updates.close()
    assert (stamp.software_version, stamp.boot) == ("0.1.0", "20261128T020000-aa")
