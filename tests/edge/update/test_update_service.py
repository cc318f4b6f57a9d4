"""The terminal as a process of the guard's own (edge/update/service.py, without systemd):
started in a session of its own, found again by its pid file, stopped, and never a stranger
that got the same pid after a reboot."""

import sys
from pathlib import Path

from devtools.waiting import wait_for
from edge.update.service import PidfileService, SystemdService

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_restart_stops_the_old_process_and_starts_a_new_one(tmp_path: Path) -> None:
    service = PidfileService(tmp_path / "terminal.pid", SLEEPER)
    service.start()
    first = service.pid()
    assert first is not None and service.state().running
    # Another program (the guard) finds it by the pid file and restarts it.
    guard = PidfileService(tmp_path / "terminal.pid", SLEEPER)
    guard.restart()
    second = guard.pid()
    assert second is not None and second != first
    assert not service.state().running  # the first one was stopped (SIGTERM)
    guard.stop()
    assert not guard.state().running


def test_a_pid_file_naming_another_process_is_not_trusted(tmp_path: Path) -> None:
    service = PidfileService(tmp_path / "terminal.pid", SLEEPER)
    service.start()
    pid = service.pid()
    try:
        (tmp_path / "terminal.pid").write_text(f"{pid} 1\n")  # started at another time
        stranger = PidfileService(tmp_path / "terminal.pid", SLEEPER)
        assert stranger.pid() is None
        stranger.stop()  # kills nothing
        assert service.state().running
    finally:
        (tmp_path / "terminal.pid").write_text(f"{pid}\n")
        service.stop()


def test_a_process_that_ends_is_seen_with_its_status(tmp_path: Path) -> None:
    service = PidfileService(tmp_path / "terminal.pid", [sys.executable, "-c", "exit(3)"])
    service.start()
    wait_for(lambda: not service.state().running, "the process to end")
    assert service.state().detail == "exited with status 3"


def fake_systemctl(tmp_path: Path) -> tuple[Path, Path]:
    """A ``systemctl`` that logs its arguments and answers ``show`` from a file."""
    shown = tmp_path / "show.txt"
    calls = tmp_path / "calls.txt"
    script = tmp_path / "systemctl"
    script.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$1" = show ] && cat {shown}\nexit 0\n')
    script.chmod(0o755)
    return script, shown


def test_systemd_restarts_without_waiting_and_counts_a_crash_as_an_exit(tmp_path: Path) -> None:
    systemctl, shown = fake_systemctl(tmp_path)
    service = SystemdService("quorum-edge.service", systemctl=str(systemctl))
    shown.write_text("ActiveState=active\nSubState=running\nNRestarts=2\nExecMainStatus=0\n")
    service.restart()
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert "restart --no-block quorum-edge.service" in calls
    assert service.state().running
    # It crashed and Restart=on-failure started it again: not the run we are checking.
    shown.write_text(
        "ActiveState=activating\nSubState=auto-restart\nNRestarts=3\nExecMainStatus=1\n"
    )
    state = service.state()
    assert not state.running and "exit status 1" in state.detail
    shown.write_text("ActiveState=failed\nSubState=failed\nNRestarts=2\nExecMainStatus=1\n")
    assert not service.state().running
