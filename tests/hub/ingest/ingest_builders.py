"""Builders of terminal messages for ingest tests (raw topic + payload bytes, as on the wire)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract import topics
from hub.ingest.apply import BatchResult, Received, apply_batch
from hub.ingest.watermark_types import MarkCache, StreamKey

BOOT_1 = "20260105T075900-aaaa0001"
BOOT_2 = "20260105T090000-bbbb0002"  # a later process start of the same terminal
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

Raw = tuple[str, bytes]


@dataclass
class Terminal:
    """One simulated terminal; ``seq`` counts up per sequenced message, as the edge does."""

    room: str
    device: str
    prefix: str = "quorum"
    boot: str = BOOT_1
    seq: int = 0

    def envelope(
        self,
        type_: str,
        data: dict[str, Any],
        *,
        seq: int | None = None,
        ts: datetime | None = None,
    ) -> bytes:
        if seq is None:
            self.seq += 1
            seq = self.seq
        when = ts or T0 + timedelta(seconds=seq)
        return orjson.dumps(
            {
                "v": 1,
                "type": type_,
                "ts": when.isoformat(),
                "device": self.device,
                "boot": self.boot,
                "seq": seq,
                "data": data,
            }
        )

    def occupancy(
        self,
        occupied: bool,
        *,
        space: str = "room",
        space_id: str | None = None,
        ts: datetime | None = None,
        seq: int | None = None,
    ) -> Raw:
        data = {
            "space": space,
            "space_id": space_id or self.room,
            "occupied": occupied,
            "signals": ["pir-ceiling"],
        }
        topic = topics.occupancy_topic(self.prefix, self.room, self.device)
        return topic, self.envelope("occupancy", data, ts=ts, seq=seq)

    def heartbeat(self, spaces: list[tuple[str, str, bool]], *, ts: datetime | None = None) -> Raw:
        data = {
            "uptime_s": 60.0,
            "interval_s": 60.0,
            "spaces": [{"space": k, "space_id": s, "occupied": o} for k, s, o in spaces],
        }
        return topics.heartbeat_topic(self.prefix, self.room, self.device), self.envelope(
            "heartbeat", data, ts=ts
        )

    def sensor(self, sensor_id: str, active: bool, *, kind: str = "pir_motion") -> Raw:
        data = {"sensor_id": sensor_id, "kind": kind, "active": active}
        topic = topics.event_topic(self.prefix, self.room, self.device, "sensor")
        return topic, self.envelope("sensor", data)

    def spool_gap(
        self,
        boot: str,
        ranges: list[tuple[int, int]],
        reason: str = "spool_full",
        *,
        seq: int | None = None,
    ) -> Raw:
        data = {
            "boot": boot,
            "ranges": [{"first": first, "last": last} for first, last in ranges],
            "reason": reason,
        }
        topic = topics.event_topic(self.prefix, self.room, self.device, "spool_gap")
        return topic, self.envelope("spool_gap", data, seq=seq)

    def status(self, state: str, *, reason: str = "start", ts: datetime | None = None) -> Raw:
        data = {"state": state, "reason": reason, "software_version": "0.1.0"}
        topic = topics.status_topic(self.prefix, self.room, self.device)
        return topic, self.envelope("status", data, seq=0, ts=ts or T0)


def aurora(**kwargs: Any) -> Terminal:
    return Terminal("hq-f1-aurora", "term-hq-f1-aurora", **kwargs)


def east(**kwargs: Any) -> Terminal:
    """The desk-area terminal: room hq-f2-east with desks hq-f2-e01 .. e06."""
    return Terminal("hq-f2-east", "term-hq-f2-east-desks", **kwargs)


def borealis(**kwargs: Any) -> Terminal:
    return Terminal("hq-f1-borealis", "term-hq-f1-borealis", **kwargs)


def apply_raws(
    factory: sessionmaker[Session],
    clock: FakeClock,
    *raws: Raw,
    retained: bool = False,
    marks: MarkCache | None = None,
    defer: Callable[[StreamKey], bool] | None = None,
) -> BatchResult:
    """Apply one batch in one committed transaction, as the service does (cache included)."""
    items = [Received(t, p, clock.now(), retained=retained) for t, p in raws]
    with factory() as session, session.begin():
        result = apply_batch(session, items, clock, marks=marks, defer=defer)
    if marks is not None:
        marks.update(result.marks)
    return result
