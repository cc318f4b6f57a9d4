"""What the bridge's thread is asked to do, collected from other threads until it wakes.

Live-feed events (ingest's writer thread, the bookings loop) and MQTT callbacks (paho's
thread) only set flags here and wake the bridge; the bridge takes them all at once. Many
changes between two rounds cost one round, so a burst of ingest costs Home Assistant a few
messages, not one per terminal message.
"""

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Work:
    # Publish everything again, and why: "connect" or "ha_online".
    full: list[str] = field(default_factory=list)
    rooms: set[str] = field(default_factory=set)  # rooms whose state may have changed
    all_states: bool = False  # every room's state (a booking changed; which room is unknown)
    check_stale: bool = False  # a retained config or state of ours turned up
    assert_online: bool = False  # an "offline" (an old Last Will) is on our availability topic

    def __bool__(self) -> bool:
        return bool(
            self.full or self.rooms or self.all_states or self.check_stale or self.assert_online
        )


class Signals:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._work = Work()
        self.wake = threading.Event()

    def full(self, reason: str) -> None:
        with self._lock:
            self._work.full.append(reason)
        self.wake.set()

    def check_stale(self) -> None:
        with self._lock:
            self._work.check_stale = True
        self.wake.set()

    def assert_online(self) -> None:
        with self._lock:
            self._work.assert_online = True
        self.wake.set()

    def live_event(self, event: dict[str, Any]) -> None:
        """A live-feed event: which rooms' documents it may change."""
        kind = event.get("type")
        with self._lock:
            if kind == "space" and event.get("space_kind") == "room":
                self._work.rooms.add(str(event.get("room_id") or event.get("space_id")))
            elif kind == "device" and event.get("room_id"):
                self._work.rooms.add(str(event["room_id"]))
            elif kind in ("booking", "resync"):
                self._work.all_states = True
            else:
                return  # desks, alerts, ...: nothing Home Assistant shows
        self.wake.set()

    def take(self) -> Work:
        with self._lock:
            work, self._work = self._work, Work()
        return work

    def restore(self, work: Work) -> None:
        """Put back what a failed round did not do, for the next round (without waking it:
        the round failed, perhaps on a database that is down, and waits before trying)."""
        with self._lock:
            self._work.full.extend(work.full)
            self._work.rooms |= work.rooms
            self._work.all_states |= work.all_states
            self._work.check_stale |= work.check_stale
            self._work.assert_online |= work.assert_online
