"""Restart the terminal and see whether it keeps running: systemd, or a process of our own.

On a Raspberry Pi the terminal is the systemd unit ``quorum-edge.service``; the guard
restarts it with ``systemctl`` and reads its state back (a crash shows as ``failed`` or as
one more automatic restart). Without systemd (a container, development, the tests) the guard
starts the terminal's command itself, in a session of its own so that it outlives the
guard, and finds it again through a pid file.
"""

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from edge.update.layout import write_atomically

STOP_TIMEOUT_S = 30.0  # like the unit's TimeoutStopSec: the terminal drains its spool first


class RestartFailed(Exception):
    """The service manager could not restart the terminal."""


@dataclass(frozen=True)
class ServiceState:
    running: bool
    detail: str  # for people: "running", "exited with status 1", "failed (exit-code)"


class Service(Protocol):
    def restart(self) -> None:
        """Stop the terminal and start it again from ``current``; raise RestartFailed."""
        ...

    def state(self) -> ServiceState:
        """Whether the terminal started by the last restart still runs."""
        ...


class SystemdService:
    def __init__(self, unit: str, systemctl: str = "systemctl") -> None:
        self._unit = unit
        self._systemctl = systemctl
        self._restarts_before: int | None = None

    def restart(self) -> None:
        self._restarts_before = int(self._show().get("NRestarts", 0))
        # --no-block: the health check, not systemctl, decides how long the start may take.
        self._systemctl_run("restart", "--no-block", self._unit)

    def state(self) -> ServiceState:
        shown = self._show()
        active, sub = shown.get("ActiveState", "unknown"), shown.get("SubState", "")
        restarts = shown.get("NRestarts", 0)
        if self._restarts_before is not None and int(restarts) > self._restarts_before:
            status = shown.get("ExecMainStatus", "?")
            return ServiceState(False, f"crashed (exit status {status}) and was restarted")
        if active in ("active", "activating", "reloading"):
            return ServiceState(True, f"{active} ({sub})")
        return ServiceState(False, f"{active} ({sub}, exit status {shown.get('ExecMainStatus')})")

    def _show(self) -> dict[str, int | str]:
        keys = "ActiveState,SubState,NRestarts,ExecMainStatus"
        out = self._systemctl_run("show", self._unit, f"--property={keys}")
        values: dict[str, int | str] = {}
        for line in out.splitlines():
            key, _, value = line.partition("=")
            values[key] = int(value) if key in ("NRestarts", "ExecMainStatus") and value else value
        return values

    def _systemctl_run(self, *args: str) -> str:
        try:
            done = subprocess.run(
                [self._systemctl, *args], capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RestartFailed(f"systemctl {args[0]}: {exc}") from exc
        if done.returncode != 0:
            raise RestartFailed(f"systemctl {args[0]} {self._unit}: {done.stderr.strip()}")
        return done.stdout


class PidfileService:
    """The terminal as a process this program starts itself, found again by its pid file."""

    def __init__(
        self,
        pidfile: Path,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        log_file: Path | None = None,
        stop_timeout_s: float = STOP_TIMEOUT_S,
    ) -> None:
        self._pidfile = pidfile
        self._argv = list(argv)
        self._cwd = cwd
        self._log_file = log_file
        self._stop_timeout_s = stop_timeout_s
        self._child: subprocess.Popen[bytes] | None = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def start(self) -> None:
        log = self._log_file.open("ab") if self._log_file is not None else None
        try:
            self._child = subprocess.Popen(
                self._argv,
                cwd=self._cwd,
                stdin=subprocess.DEVNULL,
                stdout=log if log is not None else subprocess.DEVNULL,
                stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
                start_new_session=True,  # outlives this process (the guard, a test)
            )
        except OSError as exc:
            raise RestartFailed(f"starting {self._argv[0]}: {exc}") from exc
        finally:
            if log is not None:
                log.close()
        pid = self._child.pid
        # With its start time: a pid file left from before a reboot must not name a stranger.
        write_atomically(self._pidfile, f"{pid} {_start_time(pid) or ''}\n")

    def stop(self) -> None:
        pid = self.pid()
        if pid is None or not _alive(pid):
            self._reap()
            return
        os.kill(pid, signal.SIGTERM)  # a clean stop: the terminal says "offline"
        deadline = time.monotonic() + self._stop_timeout_s
        while _alive(pid) and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self._reap()

    def pid(self) -> int | None:
        """The terminal's pid from the pid file, if that process is still the one started."""
        try:
            fields = self._pidfile.read_text().split()
            pid = int(fields[0])
        except (OSError, ValueError, IndexError):
            return None
        started = fields[1] if len(fields) > 1 else None
        if started is not None and _start_time(pid) not in (None, started):
            return None  # the pid was reused by another process
        return pid

    def state(self) -> ServiceState:
        if self._child is not None:
            code = self._child.poll()
            if code is None:
                return ServiceState(True, "running")
            return ServiceState(False, f"exited with status {code}")
        pid = self.pid()
        if pid is not None and _alive(pid):
            return ServiceState(True, "running")
        return ServiceState(False, "not running")

    def _reap(self) -> None:
        if self._child is not None:
            self._child.poll()


def _start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot, /proc/<pid>/stat field 22); None if not
    known (no such process, no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped by its parent does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill()
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
