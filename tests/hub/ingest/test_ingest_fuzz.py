"""Property: whatever arrives, apply_batch never raises and accounts for every message.

Each message is stored, dropped as a duplicate, or dead-lettered, exactly one
of the three; applying the same batch again stores nothing new.
"""

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract import topics
from hub.db.models import DeadLetter, IngestedMessage
from hub.ingest.apply import Received, apply_batch

TERMINALS = [
    ("hq-f1-aurora", "term-hq-f1-aurora"),
    ("hq-f2-east", "term-hq-f2-east-desks"),
    ("hq-f1-aurora", "term-hq-f1-borealis"),
    ("hq-f1-aurora", "term-ghost"),
    ("hq-f9-nowhere", "term-ghost"),
]
CHANNEL_TOPICS = {
    "status": topics.status_topic,
    "occupancy": topics.occupancy_topic,
    "heartbeat": topics.heartbeat_topic,
}
BOOTS = ["20260105T075900-aaaa0001", "20260105T090000-bbbb0002"]


def dumps(value: Any) -> bytes:
    # The standard library, not orjson: it writes huge integers, NaN and Infinity, which a
    # hostile terminal could send too (orjson refuses to parse the last two).
    return json.dumps(value).encode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
space_ids = st.sampled_from(["hq-f1-aurora", "hq-f2-east", "hq-f2-e01", "hq-f2-e99", "nope"])
spaces = st.fixed_dictionaries(
    {"space": st.sampled_from(["room", "desk"]), "space_id": space_ids, "occupied": st.booleans()}
)
timestamps = (
    st.sampled_from(["2026-01-05T08:00:00Z", "2026-01-05T09:00:00+01:00"])
    | st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
    | st.sampled_from(["0001-01-01T00:00:00+01:00", "yesterday", "2026-01-05T08:00:00", ""])
)
# Every field any type needs is present (extra ones are ignored), mostly with usable values.
datas = st.fixed_dictionaries(
    {
        "space": st.sampled_from(["room", "desk"]),
        "space_id": space_ids,
        "occupied": st.booleans(),
        "state": st.sampled_from(["online", "offline"]),
        "reason": st.text(max_size=40),
        "uptime_s": st.floats(min_value=0, max_value=1e6),
        "interval_s": st.floats(min_value=1, max_value=100),
        "spaces": st.lists(spaces, max_size=3),
        "sensor_id": st.sampled_from(["door", "pir"]),
        "kind": st.text(max_size=40),
        "active": st.booleans(),
    }
)


@st.composite
def plausible_messages(draw: st.DrawFn) -> tuple[str, bytes]:
    """Valid messages, or one mutation away from it, so the fuzzer also reaches storage."""
    room, device = draw(st.sampled_from(TERMINALS))
    type_ = draw(st.sampled_from(["status", "occupancy", "heartbeat", "sensor"]))
    build = CHANNEL_TOPICS.get(type_)
    if build is None:
        topic = topics.event_topic("quorum", room, device, type_)
    else:
        topic = build("quorum", room, device)
    body: dict[str, Any] = {
        "v": 1,
        "type": type_,
        "ts": draw(timestamps),
        "device": device,
        "boot": draw(st.sampled_from(BOOTS)),
        "seq": 0 if type_ == "status" else draw(st.integers(min_value=1, max_value=4)),
        "data": draw(datas),
    }
    if draw(st.booleans()):
        body[draw(st.sampled_from(sorted(body)))] = draw(json_values)
    return topic, dumps(body)


topic_names = st.sampled_from(
    [make("quorum", room, device) for room, device in TERMINALS for make in CHANNEL_TOPICS.values()]
) | st.text(max_size=60)
garbage = st.tuples(topic_names, json_values.map(dumps) | st.binary(max_size=300))
batches = st.lists(plausible_messages() | garbage, min_size=1, max_size=8)


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=batches)
def test_any_input_is_stored_or_dead_lettered(
    batch: list[tuple[str, bytes]], session_factory: sessionmaker[Session]
) -> None:
    clock = FakeClock()
    items = [Received(topic, payload, clock.now()) for topic, payload in batch]
    session = session_factory()
    try:  # never committed: every example starts from the same database
        result = apply_batch(session, items, clock)
        assert result.stored + result.duplicates + len(result.dead) == len(items)
        for outcome in ("stored",) * result.stored + tuple(r.reason for r in result.dead):
            event(outcome)  # --hypothesis-show-statistics shows the fuzzer reaches every path
        assert _count(session, DeadLetter) == len(result.dead)
        ledger = _count(session, IngestedMessage)
        again = apply_batch(session, items, clock)
        assert _count(session, IngestedMessage) == ledger, "a re-delivered batch stores nothing new"
        assert again.stored + again.duplicates + len(again.dead) == len(items)
    finally:
        session.rollback()
        session.close()
