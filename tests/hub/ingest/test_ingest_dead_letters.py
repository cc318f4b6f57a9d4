"""Bad input: every reason ends in a dead letter with the whole payload, and ingest goes on."""

from datetime import UTC, datetime

import orjson
import pytest
from ingest_builders import Raw, aurora, borealis, east
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract import topics
from contract.messages import MAX_PAYLOAD_BYTES, Reason
from hub.db.models import DeadLetter, IngestedMessage
from hub.ingest.apply import MAX_DEAD_LETTER_BYTES, Received, apply_batch

Factory = sessionmaker[Session]
AURORA_OCC = topics.occupancy_topic("quorum", "hq-f1-aurora", "term-hq-f1-aurora")


def occupancy_data(space: str, space_id: str, occupied: object = True) -> dict[str, object]:
    return {"space": space, "space_id": space_id, "occupied": occupied}


def envelope(**overrides: object) -> bytes:
    body: dict[str, object] = {
        "v": 1,
        "type": "occupancy",
        "ts": "2026-01-05T08:00:00Z",
        "device": "term-hq-f1-aurora",
        "boot": "20260105T075900-aaaa0001",
        "seq": 1,
        "data": {"space": "room", "space_id": "hq-f1-aurora", "occupied": True},
    }
    body.update(overrides)
    return orjson.dumps(body)


def _ghost() -> Raw:
    topic = topics.occupancy_topic("quorum", "hq-f1-aurora", "term-ghost")
    return topic, envelope(device="term-ghost")


def _nowhere() -> Raw:
    topic = topics.occupancy_topic("quorum", "hq-f9-nowhere", "term-hq-f1-aurora")
    return topic, envelope()


CASES: dict[str, tuple[Raw, Reason]] = {
    "malformed_json": ((AURORA_OCC, b'{"v": 1, "type": '), Reason.MALFORMED_JSON),
    "invalid_utf8": ((AURORA_OCC, b'{"v": 1, "type": "\xff\xfe"}'), Reason.MALFORMED_JSON),
    "empty_payload": ((AURORA_OCC, b""), Reason.MALFORMED_JSON),
    "not_an_object": ((AURORA_OCC, b"[1, 2, 3]"), Reason.INVALID_ENVELOPE),
    "unknown_type": ((AURORA_OCC, envelope(type="teleport")), Reason.UNKNOWN_TYPE),
    "wrong_envelope_field_type": ((AURORA_OCC, envelope(seq="seven")), Reason.INVALID_ENVELOPE),
    "naive_timestamp": ((AURORA_OCC, envelope(ts="2026-01-05T08:00:00")), Reason.INVALID_ENVELOPE),
    "timestamp_out_of_range": (
        (AURORA_OCC, envelope(ts="0001-01-01T00:00:00+01:00")),
        Reason.INVALID_ENVELOPE,
    ),
    "wrong_data_field_type": (
        (AURORA_OCC, envelope(data=occupancy_data("room", "hq-f1-aurora", "maybe"))),
        Reason.INVALID_DATA,
    ),
    "unsupported_version": ((AURORA_OCC, envelope(v=2)), Reason.UNSUPPORTED_VERSION),
    "seq_zero_is_for_status_only": ((AURORA_OCC, envelope(seq=0)), Reason.INVALID_ENVELOPE),
    "bad_topic": (("quorum/v1/rooms/hq-f1-aurora/occupancy", envelope()), Reason.BAD_TOPIC),
    "unknown_room": (_nowhere(), Reason.UNKNOWN_ROOM),
    "unknown_device": (_ghost(), Reason.UNKNOWN_DEVICE),
    "device_registered_to_another_room": (
        (
            topics.occupancy_topic("quorum", "hq-f1-aurora", "term-hq-f1-borealis"),
            envelope(device="term-hq-f1-borealis"),
        ),
        Reason.TOPIC_MISMATCH,
    ),
    "envelope_device_differs_from_topic": (
        (AURORA_OCC, envelope(device="term-hq-f1-borealis")),
        Reason.TOPIC_MISMATCH,
    ),
    "type_on_the_wrong_channel": (
        (topics.heartbeat_topic("quorum", "hq-f1-aurora", "term-hq-f1-aurora"), envelope()),
        Reason.TOPIC_MISMATCH,
    ),
    "other_rooms_space": (
        (AURORA_OCC, envelope(data=occupancy_data("room", "hq-f1-borealis"))),
        Reason.UNKNOWN_SPACE,
    ),
    "other_rooms_desk": (
        (AURORA_OCC, envelope(data=occupancy_data("desk", "hq-f2-e01"))),
        Reason.UNKNOWN_SPACE,
    ),
    "unknown_desk": (
        east().occupancy(True, space="desk", space_id="hq-f2-e99"),
        Reason.UNKNOWN_SPACE,
    ),
    "heartbeat_naming_an_unknown_desk": (
        east().heartbeat([("desk", "hq-f2-e01", True), ("desk", "hq-f2-zz", False)]),
        Reason.UNKNOWN_SPACE,
    ),
    "oversized_payload": (
        (AURORA_OCC, envelope(data={"pad": "x" * MAX_PAYLOAD_BYTES})),
        Reason.TOO_LARGE,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_message_becomes_a_dead_letter_and_the_batch_goes_on(
    case: str, session_factory: Factory, clock: FakeClock
) -> None:
    (topic, payload), reason = CASES[case]
    good = borealis().sensor("door", True)
    items = [Received(t, p, clock.now()) for t, p in [(topic, payload), good]]
    with session_factory() as session, session.begin():
        result = apply_batch(session, items, clock)
    assert result.stored == 1, "the good message in the same batch is stored"
    assert [r.reason for r in result.dead] == [reason.value]
    with session_factory() as session:
        dead = session.scalars(select(DeadLetter)).one()
        assert (dead.reason, dead.topic, dead.payload) == (reason.value, topic, payload)
        assert dead.detail and dead.received_at == clock.now()
        assert session.scalars(select(IngestedMessage.device_id)).all() == ["term-hq-f1-borealis"]


def test_huge_payload_is_kept_up_to_a_cap(session_factory: Factory, clock: FakeClock) -> None:
    payload = envelope(data={"pad": "x" * (2 * MAX_DEAD_LETTER_BYTES)})
    with session_factory() as session, session.begin():
        result = apply_batch(session, [Received(AURORA_OCC, payload, clock.now())], clock)
    assert result.dead[0].reason == Reason.TOO_LARGE.value
    with session_factory() as session:
        dead = session.scalars(select(DeadLetter)).one()
        assert dead.payload == payload[:MAX_DEAD_LETTER_BYTES]
        assert f"of {len(payload)} bytes" in dead.detail


def test_nul_characters_are_escaped_in_text_columns(
    session_factory: Factory, clock: FakeClock
) -> None:
    payload = orjson.dumps({"v": 1, "type": "occupancy", "ts": "x", "\u0000key": 1})
    with session_factory() as session, session.begin():
        apply_batch(session, [Received(AURORA_OCC + "\x00", payload, clock.now())], clock)
    with session_factory() as session:
        dead = session.scalars(select(DeadLetter)).one()
        assert "\x00" not in dead.topic and "\x00" not in dead.detail and dead.payload == payload


def test_a_storm_of_bad_messages_in_one_batch(session_factory: Factory, clock: FakeClock) -> None:
    terminal = aurora()
    items = [Received(AURORA_OCC, b"\x00garbage", clock.now()) for _ in range(300)]
    items += [Received(*terminal.occupancy(i % 2 == 0), received_at=clock.now()) for i in range(50)]
    with session_factory() as session, session.begin():
        result = apply_batch(session, items, clock)
    assert (result.stored, len(result.dead)) == (50, 300)


def test_received_at_is_the_hub_clock_not_the_device_clock(
    session_factory: Factory, clock: FakeClock
) -> None:
    clock.set_wall(datetime(2030, 1, 1, tzinfo=UTC))
    topic, payload = aurora().occupancy(True)
    with session_factory() as session, session.begin():
        apply_batch(session, [Received(topic, payload, clock.now())], clock)
    with session_factory() as session:
        row = session.scalars(select(IngestedMessage)).one()
        assert row.received_at == row.stored_at == clock.now() != row.ts
