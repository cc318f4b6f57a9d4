"""A heartbeat's spool fill is kept per device: the newest by event time wins (SQLite and
PostgreSQL, like the rest of ingest)."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from ingest_builders import T0, Raw, Terminal, borealis
from ingest_builders import apply_raws as run
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract import topics
from hub.db.models import Device

GOLDEN = Path(__file__).resolve().parents[2] / "contract" / "golden"
BOREALIS = "term-hq-f1-borealis"

Factory = sessionmaker[Session]


def golden(name: str) -> Raw:
    example = json.loads((GOLDEN / f"{name}.json").read_text())
    return example["topic"], orjson.dumps(example["payload"])


def heartbeat(terminal: Terminal, at: datetime, pending: int | None) -> Raw:
    data: dict[str, Any] = {"uptime_s": 60.0, "interval_s": 60.0, "spaces": []}
    if pending is not None:
        data["spool"] = {
            "pending": pending,
            "max_messages": 1000,
            "bytes": pending * 200,
            "max_bytes": 1_000_000,
        }
    topic = topics.heartbeat_topic(terminal.prefix, terminal.room, terminal.device)
    return topic, terminal.envelope("heartbeat", data, ts=at)


def fill(factory: Factory, device_id: str = BOREALIS) -> dict[str, Any] | None:
    with factory() as session:
        return session.get_one(Device, device_id).spool_fill


def test_the_golden_heartbeats_fill_is_stored_with_its_time(
    session_factory: Factory, clock: FakeClock
) -> None:
    assert fill(session_factory) is None  # never reported
    result = run(session_factory, clock, golden("heartbeat_spool"))
    assert (result.stored, result.dead) == (1, [])
    assert fill(session_factory) == {
        "pending": 41250,
        "max_messages": 50000,
        "bytes": 9437184,
        "max_bytes": 67108864,
        "at": "2026-11-27T10:02:00+00:00",
    }


def test_the_newest_heartbeat_wins_even_when_an_older_one_arrives_later(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = borealis()
    run(session_factory, clock, heartbeat(terminal, T0 + timedelta(minutes=10), 900))
    # A replay of the spool after an outage: an older heartbeat arrives after a newer one.
    run(session_factory, clock, heartbeat(terminal, T0 + timedelta(minutes=5), 500))
    stored = fill(session_factory)
    assert stored is not None and stored["pending"] == 900
    # A newer heartbeat without a fill (say, a downgraded terminal) leaves the last one.
    run(session_factory, clock, heartbeat(terminal, T0 + timedelta(minutes=11), None))
    stored = fill(session_factory)
    assert stored is not None and stored["pending"] == 900
    # Within one batch too, the newest by event time is kept, whatever the order.
    run(
        session_factory,
        clock,
        heartbeat(terminal, T0 + timedelta(minutes=13), 40),
        heartbeat(terminal, T0 + timedelta(minutes=12), 700),
    )
    stored = fill(session_factory)
    assert stored is not None
    assert (stored["pending"], stored["at"]) == (40, (T0 + timedelta(minutes=13)).isoformat())


def test_a_status_change_in_the_same_batch_keeps_the_fill(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = borealis()
    run(
        session_factory,
        clock,
        terminal.status("online"),
        heartbeat(terminal, T0 + timedelta(minutes=1), 850),
    )
    with session_factory() as session:
        row = session.get_one(Device, BOREALIS)
        assert row.online and row.spool_fill is not None and row.spool_fill["pending"] == 850
    # Other devices are untouched.
    assert fill(session_factory, "term-hq-f1-aurora") is None


def test_a_stored_fill_that_cannot_be_read_is_replaced(
    session_factory: Factory, clock: FakeClock
) -> None:
    with session_factory() as session, session.begin():
        session.get_one(Device, BOREALIS).spool_fill = {"pending": 3, "at": "yesterday"}
    run(session_factory, clock, heartbeat(borealis(), T0, 120))
    stored = fill(session_factory)
    assert stored is not None and stored["pending"] == 120 and stored["max_messages"] == 1000
