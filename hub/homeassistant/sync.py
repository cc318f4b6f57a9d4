"""What the bridge publishes: discovery configs and room states, from the database.

:class:`BridgeSync` keeps what it last published on the current connection, so a routine
update sends only what changed; :meth:`BridgeSync.publish_all` (after a (re)connect and when
Home Assistant announces itself) sends everything again, whatever was sent before.

Removal: a room (or a terminal) that no longer exists must lose its entities, also when it
disappeared while the hub was down. The bridge subscribes to its own retained discovery
configs and room states (:meth:`saw_retained`), and every full round clears (an empty retained
message, Home Assistant's way of deleting an entity) whatever of its own it finds that the
database no longer has.
"""

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import orjson
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.homeassistant.discovery import ONLINE, Bridge, all_entities
from hub.homeassistant.rooms import RoomInfo, load_rooms, next_booking_change, room_states
from hub.homeassistant.topics import availability_topic, room_state_topic

log = logging.getLogger(__name__)


class Outbox(Protocol):
    def publish(self, topic: str, payload: bytes, *, retain: bool) -> bool:
        """Queue one QoS 1 message; False when it could not be handed to the broker."""
        ...


@dataclass(frozen=True)
class SyncReport:
    configs: int = 0
    states: int = 0
    removed: int = 0


def _encode(document: object) -> bytes:
    # Sorted keys: the same state is the same bytes, so repeats are recognised and harmless.
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


class BridgeSync:
    def __init__(self, bridge: Bridge, session_factory: sessionmaker[Session], clock: Clock):
        self.bridge = bridge
        self._session_factory = session_factory
        self._clock = clock
        self._sent: dict[str, bytes] = {}
        self._rooms: list[RoomInfo] = []
        # Our retained configs and states on the broker (from our subscriptions to them),
        # written by the MQTT thread.
        self._retained: set[str] = set()
        self._retained_lock = threading.Lock()
        self._loaded = False  # the organisation has been read once: removals are safe
        self._config_topics: set[str] = set()
        self._state_topics: set[str] = set()

    # -- called from the MQTT thread through the service -----------------------------------

    def saw_retained(self, topic: str, payload: bytes) -> None:
        with self._retained_lock:
            if payload:
                self._retained.add(topic)
            else:
                self._retained.discard(topic)

    # -- called from the service's thread ---------------------------------------------------

    def forget_sent(self) -> None:
        """A new connection (or a Home Assistant restart): nothing counts as sent any more."""
        self._sent.clear()

    def publish_all(self, out: Outbox) -> SyncReport:
        """Configs, every room's state, the bridge's availability; then removals."""
        self.forget_sent()
        report = self.update(out, everything=True)
        # Last: the entities exist and have their states before they become available.
        self._send(out, availability_topic(self.bridge.prefix), ONLINE.encode(), force=True)
        return report

    def update(
        self, out: Outbox, rooms: Collection[str] | None = None, *, everything: bool = False
    ) -> SyncReport:
        """Publish what changed: the states of ``rooms`` (None: of every room); with
        ``everything``, rooms and terminals are read again, and configs and removals follow."""
        with self._session_factory() as session:
            if everything:
                self._rooms = load_rooms(session)
            states = room_states(session, self._clock.now(), None if everything else rooms)
        configs = 0
        if everything:
            wanted = {e.topic(self.bridge): e for e in all_entities(self.bridge, self._rooms)}
            self._config_topics = set(wanted)
            self._state_topics = {room_state_topic(self.bridge.prefix, r.id) for r in self._rooms}
            self._loaded = True
            for topic, entity in wanted.items():
                configs += self._send(out, topic, _encode(entity.config))
        published = 0
        for room_id, document in states.items():
            topic = room_state_topic(self.bridge.prefix, room_id)
            published += self._send(out, topic, _encode(document))
        removed = self.remove_stale(out) if everything else 0
        return SyncReport(configs=configs, states=published, removed=removed)

    def next_change(self) -> datetime | None:
        """When some room's booking state changes by time alone."""
        with self._session_factory() as session:
            return next_booking_change(session, self._clock.now())

    def remove_stale(self, out: Outbox) -> int:
        """Clear our retained configs and states that the database no longer backs."""
        if not self._loaded:
            return 0  # the organisation is not read yet: everything would look stale
        with self._retained_lock:
            stale = sorted(self._retained - self._config_topics - self._state_topics)
        removed = 0
        for topic in stale:
            if out.publish(topic, b"", retain=True):
                with self._retained_lock:
                    self._retained.discard(topic)
                self._sent.pop(topic, None)
                removed += 1
                log.info("Home Assistant: removed %s (no longer in the hub)", topic)
        return removed

    def _send(self, out: Outbox, topic: str, payload: bytes, *, force: bool = False) -> int:
        if not force and self._sent.get(topic) == payload:
            return 0
        if not out.publish(topic, payload, retain=True):
            return 0  # not connected: the next (re)connect publishes everything anyway
        self._sent[topic] = payload
        return 1
