"""The terminal's life: connect, announce, run the loop, say goodbye.

Objects are built in ``edge.cli`` (the composition root) and handed in here,
so tests can run the same lifecycle with fakes.
"""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from edge.agent import Agent
from edge.publisher import Publisher
from edge.sensors import SensorBank

log = logging.getLogger(__name__)


class Connection(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Delivery(Protocol):
    """The spool's delivery worker (``edge.delivery.Deliverer``)."""

    def start(self) -> None: ...

    def drain(self, timeout: float) -> bool: ...

    def in_flight(self) -> int: ...

    def stop(self) -> None: ...


class Closeable(Protocol):
    def close(self) -> None: ...


class Player(Protocol):
    """Plays the world in simulation (``edge.player.ScenarioPlayer``,
    ``edge.session_player.SessionPlayer``)."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...


class Notifier(Protocol):
    """systemd's notification socket (``common.sd_notify.SystemdNotifier``)."""

    def ready(self, status: str | None = None) -> bool: ...

    def stopping(self) -> bool: ...


class Speech(Protocol):
    """Minutes sessions (``edge.speech_runtime.SpeechRuntime``)."""

    def start(self) -> None: ...

    def close(self) -> None:
        """Stop a running session; its last segments and stop go out before we go offline."""
        ...


@dataclass
class Terminal:
    connection: Connection
    publisher: Publisher
    agent: Agent
    sensors: SensorBank
    player: Player | None = None
    delivery: Delivery | None = None
    spool: Closeable | None = None
    speech: Speech | None = None
    pollers: Sequence[Closeable] = ()  # people counters, CO2 (edge.signal_pollers)
    # READY=1 once the loop is about to run, STOPPING=1 at shutdown (Type=notify units).
    notifier: Notifier | None = None
    # Services beside the terminal (software updates: edge.update.terminal): closed first at
    # shutdown, so what they are sending still goes into the open spool.
    services: Sequence[Closeable] = ()
    # How long to hold back the first messages so that "online" comes first.
    first_connect_wait_s: float = 10.0
    # How long shutdown waits for the broker to ack the offline status.
    offline_ack_wait_s: float = 5.0
    # The offline status's reason: "shutdown", or "reconfigure" while a pushed configuration
    # replaces this one (edge/supervisor.py).
    offline_reason: str = "shutdown"

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set (then call :meth:`Agent.wake`), and shut down cleanly."""
        if self.delivery is not None:
            # Before connecting: what an earlier process left in the spool is queued first and
            # goes out right after the retained status.
            self.delivery.start()
        self.connection.start()
        if not self._wait_online(stop):
            # Keep sensing: QoS 1 messages wait in memory and go out on connect.
            log.warning("no broker connection yet; retrying in the background with back-off")
        try:
            self.agent.publish_initial_state()
            if self.speech is not None:
                self.speech.start()
            if self.player is not None:
                self.player.start()
            if self.notifier is not None:
                # Ready without waiting for the broker: sensing and the spool work offline.
                self.notifier.ready("sensing")
            self.agent.run(stop)
        finally:
            if self.notifier is not None:
                self.notifier.stopping()
            self.shutdown()

    def _wait_online(self, stop: threading.Event) -> bool:
        deadline = time.monotonic() + self.first_connect_wait_s
        while not stop.is_set() and time.monotonic() < deadline:
            if self.publisher.online_announced.wait(0.1):
                return True
        return self.publisher.online_announced.is_set()

    def shutdown(self) -> None:
        for service in self.services:
            service.close()
        if self.player is not None:
            self.player.stop()
        if self.speech is not None:
            self.speech.close()
        if self.delivery is not None and not self.delivery.drain(self.offline_ack_wait_s):
            # Not lost: they stay in the spool and go out again on the next start.
            log.info("%d message(s) not yet acknowledged by the broker", self.delivery.in_flight())
        acked = self.publisher.announce_offline(self.offline_reason, self.offline_ack_wait_s)
        log.info(
            "announced status offline (%s)%s",
            self.offline_reason,
            "" if acked else " - not acknowledged",
        )
        self.connection.stop()
        if self.delivery is not None:
            self.delivery.stop()
        if self.spool is not None:
            self.spool.close()  # checkpoints the WAL into the database file
        self.sensors.close()
        for poller in self.pollers:
            poller.close()
