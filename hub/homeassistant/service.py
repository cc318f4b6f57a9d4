"""The Home Assistant bridge as a background thread of the hub (docs/homeassistant.md).

When it publishes everything (discovery configs, the bridge's ``online``, every room's
state): after every (re)connect of its MQTT connection, and when Home Assistant announces
itself on ``<discovery_prefix>/status``. Otherwise it publishes what changed: the rooms named
by live-feed events (occupancy, people band, terminals), every room when a booking decision
was made or a booking starts or ends, and everything once per ``refresh_s`` (rooms imported,
bookings made through the API, anything an event did not announce), removals included.

Several hub workers (docs/scaling.md): one bridge publishes at a time, the worker holding a
PostgreSQL advisory lock (the time-series exporter's kind of lock, another key); the others
stand by and try to take it every ``refresh_s``. One publisher means one Last Will: with a
bridge in every worker, one worker's death would mark everything unavailable while the others
still run. A bridge that takes over publishes everything, and answers a late ``offline`` (the
Last Will of the one before) with ``online``. What it publishes is retained and the same for
the same database state, so an overlap during a takeover only repeats messages. On SQLite
there is one worker and no lock.
"""

import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.homeassistant.discovery import ONLINE, Bridge
from hub.homeassistant.link import BridgeLink, LinkHandlers
from hub.homeassistant.signals import Signals, Work
from hub.homeassistant.sync import BridgeSync, SyncReport
from hub.homeassistant.topics import availability_topic, node_id
from hub.live import LiveFeed
from hub.settings import Settings
from hub.timeseries.service import ExportLock, export_lock

log = logging.getLogger(__name__)

# pg_advisory_lock key of the publishing bridge ("QHASS" in ASCII).
BRIDGE_LOCK_KEY = 0x5148415353
MIN_WAIT_S = 0.05
# After a failed round (the database away): what it did not do is tried again this soon.
RETRY_AFTER_S = 5.0


class Link(Protocol):
    @property
    def connected(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def publish(self, topic: str, payload: bytes, *, retain: bool) -> bool: ...


LinkFactory = Callable[[LinkHandlers], Link]


@dataclass(frozen=True)
class BridgeStatus:
    """For /metrics: what this worker's bridge has done since it started."""

    leader: bool
    connected: bool
    full_syncs: dict[str, int] = field(default_factory=dict)  # by reason
    published: dict[str, int] = field(default_factory=dict)  # configs, states, removed


class HomeAssistantService:
    def __init__(
        self,
        *,
        sync: BridgeSync,
        make_link: LinkFactory,
        lock: ExportLock,
        clock: Clock,
        refresh_s: float = 60.0,
    ) -> None:
        self._sync = sync
        self._make_link = make_link
        self._lock = lock
        self._clock = clock
        self._refresh_s = refresh_s
        self._signals = Signals()
        self._link: Link | None = None
        self._leader = False
        self._lock_checked = float("-inf")
        self._refreshed = float("-inf")
        self._boundary: datetime | None = None
        self._full_syncs: Counter[str] = Counter()
        self._published: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="homeassistant", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._signals.wake.set()
        if self._thread.is_alive():
            self._thread.join(30)
        self._drop_link()
        self._lock.release()

    def observe(self, event: dict[str, Any]) -> None:
        """Live-feed observer: cheap, never blocks (see Signals)."""
        self._signals.live_event(event)

    def status(self) -> BridgeStatus:
        with self._stats_lock:
            return BridgeStatus(
                leader=self._leader,
                connected=self._link is not None and self._link.connected,
                full_syncs=dict(self._full_syncs),
                published=dict(self._published),
            )

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.run_round()
            except Exception:  # a database outage or a bug must not end the bridge
                log.exception("Home Assistant bridge round failed; trying again")
                wait = min(self._refresh_s, RETRY_AFTER_S)
            self._signals.wake.wait(wait)
            self._signals.wake.clear()

    def run_round(self) -> float:
        """One round of the thread (tests call it directly); seconds until the next."""
        if not self._lead():
            return self._refresh_s
        link = self._link
        if link is None or not link.connected:
            return self._refresh_s  # on_connected wakes us
        work = self._signals.take()
        try:
            self._publish(link, work)
        except Exception:
            self._signals.restore(work)  # e.g. after a reconnect: everything, next round
            raise
        return self._next_wait()

    def _publish(self, link: Link, work: Work) -> None:
        now = time.monotonic()  # plumbing: how often to refresh, not logic time
        due = now - self._refreshed >= self._refresh_s
        boundary_passed = self._boundary is not None and self._clock.now() >= self._boundary
        if work.full:
            self._count(self._sync.publish_all(link), work.full)
            self._refreshed = now
        elif due:
            self._count(self._sync.update(link, everything=True))
            self._refreshed = now
        elif work.all_states or boundary_passed:
            self._count(self._sync.update(link))
        elif work.rooms:
            self._count(self._sync.update(link, work.rooms))
        if work.check_stale:
            self._count(SyncReport(removed=self._sync.remove_stale(link)))
        if work.assert_online:
            log.info("an earlier bridge's Last Will said offline; saying online again")
            link.publish(availability_topic(self._sync.bridge.prefix), ONLINE.encode(), retain=True)

    def _next_wait(self) -> float:
        """Until the next refresh, or sooner when a booking starts or ends."""
        self._boundary = self._sync.next_change()
        now = self._clock.now()
        wait = self._refresh_s - (time.monotonic() - self._refreshed)
        if self._boundary is not None:
            wait = min(wait, (self._boundary - now).total_seconds())
        return min(max(wait, MIN_WAIT_S), self._refresh_s)

    def _lead(self) -> bool:
        """Whether this worker publishes; (re)connects or disconnects the link to match."""
        now = time.monotonic()
        if not self._leader or now - self._lock_checked >= self._refresh_s:
            self._lock_checked = now
            leader = self._lock.acquire()
            if leader and not self._leader:
                log.info("this hub worker publishes to Home Assistant")
                self._link = self._make_link(self._handlers())
                self._link.start()
            elif not leader and self._leader:
                log.warning("lost the Home Assistant bridge lock; another worker publishes")
                self._drop_link()
            with self._stats_lock:
                self._leader = leader
        return self._leader

    def _handlers(self) -> LinkHandlers:
        def connected() -> None:
            self._signals.full("connect")  # publish_all forgets what the last connection got

        def retained_seen(topic: str, payload: bytes) -> None:
            self._sync.saw_retained(topic, payload)
            if payload:
                self._signals.check_stale()

        return LinkHandlers(
            connected=connected,
            ha_online=lambda: self._signals.full("ha_online"),
            retained_seen=retained_seen,
            availability_lost=self._signals.assert_online,
        )

    def _drop_link(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(Exception):
                link.stop()

    def _count(self, report: SyncReport, reasons: list[str] | None = None) -> None:
        with self._stats_lock:
            for reason in set(reasons or ()):
                self._full_syncs[reason] += 1
            self._published.update(
                configs=report.configs, states=report.states, removed=report.removed
            )


def hub_version() -> str:
    try:
        return metadata.version("quorum-rooms")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def homeassistant_service(
    settings: Settings, session_factory: sessionmaker[Session], clock: Clock, live: LiveFeed
) -> HomeAssistantService | None:
    """The bridge, or None unless ``QUORUM_HOMEASSISTANT_ENABLED`` (and a broker: ingest on)."""
    if not (settings.homeassistant_enabled and settings.ingest_enabled):
        return None
    bridge = Bridge(
        prefix=settings.mqtt_prefix,
        discovery_prefix=settings.homeassistant_discovery_prefix,
        node=node_id(settings.mqtt_prefix),
        sw_version=hub_version(),
    )
    address = settings.broker_address()
    client_id = f"{settings.client_id}-ha"

    def make_link(handlers: LinkHandlers) -> Link:
        return BridgeLink(address, client_id, bridge, handlers)

    service = HomeAssistantService(
        sync=BridgeSync(bridge, session_factory, clock),
        make_link=make_link,
        lock=export_lock(settings.database_url, BRIDGE_LOCK_KEY, "Home Assistant bridge"),
        clock=clock,
        refresh_s=settings.homeassistant_refresh_s,
    )
    live.add_observer(service.observe)
    return service
