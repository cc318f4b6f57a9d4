"""systemd's service notification protocol: READY=1, WATCHDOG=1, STOPPING=1, STATUS=...

A unit with ``Type=notify`` waits for ``READY=1``; with ``WatchdogSec=`` it restarts the
service when ``WATCHDOG=1`` stops coming. The protocol is one datagram of ``KEY=VALUE`` lines
sent to the AF_UNIX socket named in ``$NOTIFY_SOCKET`` (a leading ``@`` is an abstract
socket), so it is written here rather than taken from a library: ``sdnotify`` has not changed
since 2017, ``systemd-python`` needs a C build against libsystemd on the Pi, and
``cysystemd`` bundles a second libsystemd with wheels for 64-bit only.

Nothing here reads the environment itself: :meth:`SystemdNotifier.from_environment` takes it
from the composition root. Without ``$NOTIFY_SOCKET`` (not under systemd, or in a test) every
call does nothing. Sending never raises: a lost notification must not stop the service.
"""

import logging
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class SystemdNotifier:
    #: The socket's address ("\0..." for an abstract socket), or None: notifications off.
    address: str | None = None
    #: systemd's watchdog timeout (``$WATCHDOG_USEC``), or None when there is no watchdog.
    watchdog_usec: int | None = None
    _warned: bool = field(default=False, repr=False)

    @classmethod
    def from_environment(cls, env: Mapping[str, str], pid: int) -> "SystemdNotifier":
        """Read ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` (sd_watchdog_enabled)."""
        path = env.get("NOTIFY_SOCKET") or None
        if path is not None and path.startswith("@"):
            path = "\0" + path[1:]
        usec: int | None = None
        watchdog_pid = env.get("WATCHDOG_PID")
        # WATCHDOG_PID names the process systemd expects pings from; a child that inherited
        # the environment must not ping on its parent's behalf.
        if watchdog_pid is None or watchdog_pid == str(pid):
            try:
                usec = int(env.get("WATCHDOG_USEC", ""))
            except ValueError:
                usec = None
            if usec is not None and usec <= 0:
                usec = None
        return cls(path, usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to ping: half the timeout, as sd_watchdog_enabled(3) advises."""
        if self.address is None or self.watchdog_usec is None:
            return None
        return self.watchdog_usec / 2_000_000

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def notify(self, *lines: str) -> bool:
        """Send one datagram; True when it went out (False also when notifications are off)."""
        if self.address is None:
            return False
        message = "\n".join(lines).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self.address)
        except OSError as exc:
            if not self._warned:  # once: a missing socket would otherwise log every ping
                log.warning("cannot notify systemd at %r: %s", self.address, exc)
                self._warned = True
            return False
        return True


#: A health check: None when all is well, else what is wrong (shown in systemctl status).
HealthCheck = Callable[[], str | None]


class Watchdog:
    """Pings systemd's watchdog from a service's main loop, only while it is healthy.

    Call :meth:`beat` on every pass of the loop; it sends ``WATCHDOG=1`` at most once per
    interval, and only when every check passes. A loop that hangs stops calling it, and a
    failing check stops the pings, so systemd restarts the service in both cases.
    """

    def __init__(
        self,
        notifier: SystemdNotifier,
        checks: list[HealthCheck] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notifier = notifier
        self._checks = list(checks or [])
        self._monotonic = monotonic
        self.interval_s = notifier.watchdog_interval_s
        self._next = 0.0
        self._problem: str | None = None

    @property
    def enabled(self) -> bool:
        return self.interval_s is not None

    def add_check(self, check: HealthCheck) -> None:
        self._checks.append(check)

    def beat(self) -> None:
        if self.interval_s is None:
            return
        problem = next((p for check in self._checks if (p := check()) is not None), None)
        if problem != self._problem:
            self._problem = problem
            if problem is not None:
                log.error("unhealthy, no more watchdog pings: %s", problem)
                self._notifier.status(f"unhealthy: {problem}")
            else:
                self._notifier.status("running")
        if problem is not None:
            return
        now = self._monotonic()
        if now >= self._next:
            self._notifier.watchdog()
            self._next = now + self.interval_s
