"""systemd notifications: the datagrams, the watchdog's pace and its health checks."""

import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.sd_notify import SystemdNotifier, Watchdog


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    # AF_UNIX paths are short (108 bytes): not under pytest's long tmp_path.
    with tempfile.TemporaryDirectory(prefix="sdn-") as folder:
        path = str(Path(folder) / "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(5)
        yield path, sock
        sock.close()


def received(sock: socket.socket) -> list[str]:
    sock.setblocking(False)
    out = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except BlockingIOError:
            return out


def test_from_environment_reads_socket_and_watchdog() -> None:
    env = {"NOTIFY_SOCKET": "@abstract", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"}
    notifier = SystemdNotifier.from_environment(env, pid=42)
    assert notifier.address == "\0abstract"
    assert notifier.watchdog_interval_s == 15.0
    # The watchdog belongs to another process (we inherited its environment): no pings.
    assert SystemdNotifier.from_environment(env, pid=7).watchdog_interval_s is None
    assert not SystemdNotifier.from_environment({}, pid=1).enabled
    assert (
        SystemdNotifier.from_environment(
            {"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "no"}, 1
        ).watchdog_usec
        is None
    )


def test_messages_are_one_datagram_each(listener: tuple[str, socket.socket]) -> None:
    path, sock = listener
    notifier = SystemdNotifier(path)
    assert notifier.ready("sensing") and notifier.watchdog() and notifier.stopping()
    assert received(sock) == ["READY=1\nSTATUS=sensing", "WATCHDOG=1", "STOPPING=1"]


def test_a_missing_socket_never_raises(tmp_path: Path) -> None:
    notifier = SystemdNotifier(str(tmp_path / "gone"))
    assert notifier.watchdog() is False
    assert SystemdNotifier(None).ready() is False


def test_the_watchdog_pings_once_per_interval_while_healthy(
    listener: tuple[str, socket.socket],
) -> None:
    path, sock = listener
    now = [100.0]
    problem: list[str | None] = [None]
    watchdog = Watchdog(
        SystemdNotifier(path, watchdog_usec=2_000_000),
        [lambda: problem[0]],
        monotonic=lambda: now[0],
    )
    assert watchdog.interval_s == 1.0
    watchdog.beat()
    watchdog.beat()  # same instant: no second ping
    now[0] += 1.0
    watchdog.beat()
    assert received(sock) == ["WATCHDOG=1", "WATCHDOG=1"]
    problem[0] = "the spool delivery thread has stopped"
    now[0] += 5.0
    watchdog.beat()
    watchdog.beat()
    assert received(sock) == ["STATUS=unhealthy: the spool delivery thread has stopped"]
    problem[0] = None
    watchdog.beat()
    assert received(sock) == ["STATUS=running", "WATCHDOG=1"]


def test_without_a_watchdog_beat_sends_nothing(listener: tuple[str, socket.socket]) -> None:
    path, sock = listener
    watchdog = Watchdog(SystemdNotifier(path))
    assert not watchdog.enabled
    watchdog.beat()
    assert received(sock) == []
