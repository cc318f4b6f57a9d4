"""The real terminal and hub under a systemd-like supervisor: a NOTIFY_SOCKET made here.

Each service must say READY=1, then keep sending WATCHDOG=1 (WATCHDOG_USEC asks for a ping
every half of it), and say STOPPING=1 when told to stop. Counts and order, never timing.
"""

import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.broker import RunningBroker
from devtools.processes import Child, spawn, start_hub

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
AURORA = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"
# systemd's minimum is 1 s (WatchdogSec=1): a ping every 0.5 s keeps the test short.
WATCHDOG_USEC = "1000000"
PINGS = 3


class Supervisor:
    """The receiving end of NOTIFY_SOCKET, as systemd holds it for a Type=notify unit."""

    def __init__(self) -> None:
        # AF_UNIX paths are short (108 bytes): not under pytest's long tmp_path.
        self._folder = tempfile.TemporaryDirectory(prefix="sdn-")
        self.path = str(Path(self._folder.name) / "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(1.0)
        self.messages: list[str] = []

    def env(self) -> dict[str, str]:
        return {"NOTIFY_SOCKET": self.path, "WATCHDOG_USEC": WATCHDOG_USEC}

    def wait_for(self, child: Child, what: str, count: int = 1, timeout: float = 90.0) -> None:
        """Collect datagrams until ``what`` has come ``count`` times (bounded, generous)."""
        deadline = _monotonic() + timeout
        while sum(what in m.splitlines() for m in self.messages) < count:
            if _monotonic() > deadline:
                raise AssertionError(
                    f"{count}x {what} not received: {self.messages}\n{child.log_tail()}"
                )
            if not child.alive() and not self._pending():
                raise AssertionError(f"{child.name} exited: {self.messages}\n{child.log_tail()}")
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue

    def _pending(self) -> bool:
        self.sock.setblocking(False)
        try:
            self.messages.append(self.sock.recv(4096).decode())
            return True
        except BlockingIOError:
            return False
        finally:
            self.sock.settimeout(1.0)

    def close(self) -> None:
        self.sock.close()
        self._folder.cleanup()


def _monotonic() -> float:
    import time

    return time.monotonic()


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    held = Supervisor()
    yield held
    held.close()


def _lines(messages: list[str]) -> list[str]:
    return [line for message in messages for line in message.splitlines()]


def _check_sequence(messages: list[str]) -> None:
    lines = _lines(messages)
    assert lines.index("READY=1") < lines.index("WATCHDOG=1")
    assert lines.count("WATCHDOG=1") >= PINGS
    assert lines[-1] == "STOPPING=1" and lines.count("STOPPING=1") == 1


def test_the_terminal_says_ready_then_feeds_the_watchdog(
    broker: RunningBroker, supervisor: Supervisor, tmp_path: Path
) -> None:
    args = [
        "-m", "edge", "run", "--config", str(AURORA), "--simulate", "meeting_room_day",
        "--broker-host", broker.host, "--broker-port", str(broker.port),
        "--prefix", "watchdog-test", "--spool", str(tmp_path / "spool.sqlite"),
    ]  # fmt: skip
    env = {"QUORUM_MQTT_PASSWORD": "not-a-secret", **supervisor.env()}
    terminal = spawn("terminal", args, env=env, log_dir=tmp_path)
    try:
        supervisor.wait_for(terminal, "READY=1")
        supervisor.wait_for(terminal, "WATCHDOG=1", count=PINGS)
    finally:
        exit_code = terminal.terminate()
    supervisor.wait_for(terminal, "STOPPING=1", timeout=10)
    assert exit_code == 0, terminal.log_tail()
    _check_sequence(supervisor.messages)
    assert "STATUS=sensing" in _lines(supervisor.messages)


def test_the_hub_says_ready_once_serving_then_feeds_the_watchdog(
    broker: RunningBroker, supervisor: Supervisor, tmp_path: Path
) -> None:
    hub = start_hub(broker, tmp_path / "hub", extra_env=supervisor.env())
    try:
        supervisor.wait_for(hub.child, "READY=1")
        supervisor.wait_for(hub.child, "WATCHDOG=1", count=PINGS)
    finally:
        hub.child.terminate()
    supervisor.wait_for(hub.child, "STOPPING=1", timeout=10)
    _check_sequence(supervisor.messages)
    assert "STATUS=serving" in _lines(supervisor.messages)
