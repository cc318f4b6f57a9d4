"""After a revocation the hub ignores what the terminal sent before and the broker delivers
late (a queued message, its Last Will): dead letters with reason device_revoked."""

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from common.clock import FakeClock
from contract import topics
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import DeadLetter, Device, IngestedMessage
from hub.devices.revoke import mark_revoked
from hub.ingest.apply import Received, apply_batch

BOOT = "20260105T075900-aaaa0001"


def _message(device: str, room: str, type_: str, seq: int, data: dict[str, Any]) -> bytes:
    body = {
        "v": 1,
        "type": type_,
        "ts": "2026-01-05T08:00:00Z",
        "device": device,
        "boot": BOOT,
        "seq": seq,
        "data": data,
    }
    return orjson.dumps(body)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        url: str = request.getfixturevalue("org_db_url")
        return url
    fresh = request.getfixturevalue("fresh_database")
    made: str = fresh("postgresql", "org")
    return made


def test_a_revoked_terminals_late_messages_are_dead_letters(db_url: str) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        mark_revoked(session, "term-hq-f1-aurora", clock.now())
    aurora = ("term-hq-f1-aurora", "hq-f1-aurora")
    room_data = {"space": "room", "space_id": "hq-f1-aurora", "occupied": True}
    late = [
        (
            topics.occupancy_topic("quorum", aurora[1], aurora[0]),
            _message(*aurora, "occupancy", 7, room_data),
        ),
        (
            topics.status_topic("quorum", aurora[1], aurora[0]),
            _message(*aurora, "status", 0, {"state": "offline", "reason": "will"}),
        ),
    ]
    borealis = ("term-hq-f1-borealis", "hq-f1-borealis")
    other = (
        topics.occupancy_topic("quorum", borealis[1], borealis[0]),
        _message(
            *borealis,
            "occupancy",
            1,
            {"space": "room", "space_id": "hq-f1-borealis", "occupied": True},
        ),
    )
    items = [Received(t, p, clock.now()) for t, p in [*late, other]]
    try:
        with factory() as session, session.begin():
            result = apply_batch(session, items, clock)
        assert result.stored == 1
        assert [r.reason for r in result.dead] == ["device_revoked", "device_revoked"]
        with factory() as session:
            dead = session.scalars(select(DeadLetter).order_by(DeadLetter.id)).all()
            assert [(d.topic, d.payload) for d in dead] == late
            assert "was revoked at" in dead[0].detail
            stored = session.scalars(select(IngestedMessage.device_id)).all()
            assert stored == ["term-hq-f1-borealis"]
            device = session.get(Device, "term-hq-f1-aurora")
            assert device is not None and not device.online
    finally:
        engine.dispose()
