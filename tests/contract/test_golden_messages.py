"""Golden messages: one example per message type, checked against the models.

docs/contract.md shows the same examples; test_docs_examples_match keeps them in step.
"""

import json
from pathlib import Path

import orjson
import pytest

from contract.commands import (
    VoiceReply,
    decode_command,
    decode_minutes_command,
    decode_voice_reply,
    encode_command,
    encode_minutes_command,
    encode_voice_reply,
)
from contract.envelope import Envelope
from contract.intent_data import IntentData
from contract.messages import (
    DATA_MODELS,
    TYPE_CHANNELS,
    ContractError,
    HeartbeatData,
    OccupancyData,
    Reason,
    SpoolFill,
    decode,
)
from contract.topics import parse_topic

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.json"))
DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def _load(path: Path) -> tuple[str, bytes, dict]:
    example = json.loads(path.read_text())
    return example["topic"], orjson.dumps(example["payload"]), example


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_message_decodes(path: Path) -> None:
    topic, payload, example = _load(path)
    message = decode(topic, payload)
    assert message.envelope.type == example["payload"]["type"]
    assert message.envelope.ts.utcoffset().total_seconds() == 0  # normalised to UTC
    assert message.room == parse_topic(topic).room
    # Round trip: what we would send for it decodes to the same thing.
    again = decode(topic, message.envelope.to_json())
    assert again.envelope == message.envelope and again.data == message.data


def test_every_message_type_has_a_golden_example() -> None:
    covered = {json.loads(p.read_text())["payload"]["type"] for p in GOLDEN}
    assert covered == set(DATA_MODELS)


def test_docs_examples_match_golden_files() -> None:
    text = DOCS.read_text()
    for path in GOLDEN:
        payload = json.loads(path.read_text())["payload"]
        assert json.dumps(payload, ensure_ascii=False) in text, (
            f"docs/contract.md lacks {path.name}"
        )


def test_unknown_fields_are_tolerated() -> None:
    topic, _, example = _load(GOLDEN[0])
    raw = example["payload"] | {"future_field": [1, 2]}
    raw["data"] = raw["data"] | {"another": "x"}
    assert decode(topic, orjson.dumps(raw)).envelope.device == raw["device"]


def _occupancy() -> tuple[str, dict]:
    path = next(p for p in GOLDEN if p.stem == "occupancy_room")
    example = json.loads(path.read_text())
    return example["topic"], example["payload"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: b"{not json", Reason.MALFORMED_JSON),
        (lambda p: b"\xff\xfe\x00", Reason.MALFORMED_JSON),
        (lambda p: b"[1, 2]", Reason.INVALID_ENVELOPE),
        (lambda p: orjson.dumps(p | {"v": 2}), Reason.UNSUPPORTED_VERSION),
        (
            lambda p: orjson.dumps({k: v for k, v in p.items() if k != "v"}),
            Reason.UNSUPPORTED_VERSION,
        ),
        (lambda p: orjson.dumps(p | {"type": "teleport"}), Reason.UNKNOWN_TYPE),
        (lambda p: orjson.dumps(p | {"seq": "seven"}), Reason.INVALID_ENVELOPE),
        (lambda p: orjson.dumps(p | {"seq": -1}), Reason.INVALID_ENVELOPE),
        (lambda p: orjson.dumps(p | {"ts": "2026-11-27T09:02:13"}), Reason.INVALID_ENVELOPE),
        (lambda p: orjson.dumps(p | {"device": "other-device"}), Reason.TOPIC_MISMATCH),
        (lambda p: orjson.dumps(p | {"type": "heartbeat"}), Reason.TOPIC_MISMATCH),
        (
            lambda p: orjson.dumps(p | {"data": {"space": "room", "occupied": "yes please"}}),
            Reason.INVALID_DATA,
        ),
        (lambda p: b" " * 300_000, Reason.TOO_LARGE),
    ],
)
def test_bad_messages_are_rejected_with_a_reason(mutate, reason: Reason) -> None:
    topic, payload = _occupancy()
    with pytest.raises(ContractError) as caught:
        decode(topic, mutate(payload))
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    "topic",
    [
        "quorum/v1/rooms/a/devices/b",
        "quorum/v1/rooms/+/devices/b/occupancy",
        "quorum/v1/rooms/a/devices/#/occupancy",
        "quorum/v1/rooms/a\x00/devices/b/occupancy",
        "quorum/v1/rooms/A/devices/b/occupancy",
        "quorum/v1/rooms/a/devices/b/teleport",
        "quorum/v1/rooms/a/devices/b/events",
        "v1/rooms/a/devices/b/occupancy",
    ],
)
def test_bad_topics_are_rejected(topic: str) -> None:
    with pytest.raises(ContractError) as caught:
        decode(topic, b"{}")
    assert caught.value.reason is Reason.BAD_TOPIC


def test_envelope_serialises_ts_as_utc_iso() -> None:
    _, payload = _occupancy()
    envelope = Envelope.model_validate(payload)
    assert orjson.loads(envelope.to_json())["ts"].endswith("Z")


@pytest.mark.parametrize(
    "example",
    [
        '{"v": 1, "ts": "2026-11-27T09:02:14.020000Z", "command": {"type": "ack", '
        '"boot": "20261127T085957-3fa2c1d0", "through_seq": 7}}',
        '{"v": 1, "ts": "2026-11-27T09:05:00Z", "command": {"type": "replay", '
        '"boot": "20261127T085957-3fa2c1d0", "ranges": [{"first": 9, "last": 11}]}}',
    ],
    ids=["ack", "replay"],
)
def test_documented_spool_commands_decode(example: str) -> None:
    assert example in DOCS.read_text(), "docs/contract.md must show this example"
    command = decode_command(example.encode())
    assert decode_command(encode_command(command)) == command


def _command(version: int, command: dict) -> bytes:
    return orjson.dumps({"v": version, "ts": "2026-11-27T09:05:00Z", "command": command})


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1]",
        _command(2, {"type": "ack", "boot": "b", "through_seq": 1}),
        _command(1, {"type": "erase", "boot": "b"}),
        _command(1, {"type": "replay", "boot": "b", "ranges": [{"first": 5, "last": 4}]}),
        _command(1, {"type": "ack", "boot": "b/#", "through_seq": 1}),
        _command(1, {"type": "ack", "boot": "b", "through_seq": -1}),
    ],
)
def test_bad_spool_commands_are_refused(payload: bytes) -> None:
    with pytest.raises(ContractError):
        decode_command(payload)


# -- minutes commands (cmd/minutes) ----------------------------------------------------------

MINUTES_EXAMPLES = [
    '{"v": 1, "ts": "2026-11-27T09:03:00Z", "command": {"type": "minutes", "action": "start", '
    '"title": "Launch review", "roster": ["Ana Lima", "Wei Zhang"], "language": "auto", '
    '"booking_occurrence_id": 42}}',
    '{"v": 1, "ts": "2026-11-27T09:47:09Z", "command": {"type": "minutes", "action": "stop"}}',
]


@pytest.mark.parametrize("example", MINUTES_EXAMPLES, ids=["start", "stop"])
def test_documented_minutes_commands_decode(example: str) -> None:
    assert example in DOCS.read_text(), "docs/contract.md must show this example"
    command = decode_minutes_command(example.encode())
    assert decode_minutes_command(encode_minutes_command(command)) == command


def test_a_minutes_start_carries_its_hints() -> None:
    command = decode_minutes_command(MINUTES_EXAMPLES[0].encode())
    assert command.action == "start" and command.roster == ["Ana Lima", "Wei Zhang"]
    assert command.booking_occurrence_id == 42


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", Reason.MALFORMED_JSON),
        (b"[1]", Reason.INVALID_ENVELOPE),
        (_command(2, {"type": "minutes", "action": "start"}), Reason.UNSUPPORTED_VERSION),
        (_command(1, {"type": "minutes", "action": "rewind"}), Reason.INVALID_DATA),
        (_command(1, {"type": "minutes", "action": "delete"}), Reason.INVALID_DATA),
        (_command(1, {"type": "minutes"}), Reason.INVALID_DATA),
        (
            _command(1, {"type": "minutes", "action": "start", "language": "EN"}),
            Reason.INVALID_DATA,
        ),
        (_command(1, {"type": "minutes", "action": "start", "roster": [""]}), Reason.INVALID_DATA),
        (_command(1, {"type": "ack", "boot": "b", "through_seq": 1}), Reason.INVALID_DATA),
    ],
)
def test_bad_minutes_commands_are_refused(payload: bytes, reason: Reason) -> None:
    with pytest.raises(ContractError) as caught:
        decode_minutes_command(payload)
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    "data",
    [
        {"end_s": 1.0, "start_s": 2.0},
        {"segment": -1},
        {"language": "English"},
        {"started_at": "2026-11-27T09:03:00"},
    ],
)
def test_bad_transcripts_are_invalid_data(data: dict) -> None:
    path = next(p for p in GOLDEN if p.stem == "transcript")
    example = json.loads(path.read_text())
    payload = example["payload"] | {"data": example["payload"]["data"] | data}
    with pytest.raises(ContractError) as caught:
        decode(example["topic"], orjson.dumps(payload))
    assert caught.value.reason is Reason.INVALID_DATA


def test_speech_types_travel_on_their_channels() -> None:
    assert TYPE_CHANNELS["transcript"] == ("speech", "transcript")
    assert TYPE_CHANNELS["minutes_session"] == ("speech", "minutes")
    assert TYPE_CHANNELS["speech_activity"] == ("events", "speech_activity")


# -- voice commands (speech/intent) and replies (cmd/voice) ---------------------------------

VOICE_REPLY_EXAMPLE = (
    '{"v": 1, "ts": "2026-11-27T09:40:02.500000Z", "command": {"type": "voice_reply", '
    '"utterance": "20261127T094001-9c41e2aa", "ok": true, "intent": "extend_meeting", '
    '"say": "Done: the room is yours until 10:15.", '
    '"detail": {"outcome": "done", "ends_at": "2026-11-27T10:15:00Z"}}}'
)


def test_documented_voice_reply_decodes() -> None:
    assert VOICE_REPLY_EXAMPLE in DOCS.read_text(), "docs/contract.md must show this example"
    reply = decode_voice_reply(VOICE_REPLY_EXAMPLE.encode())
    assert reply.ok and reply.intent == "extend_meeting" and reply.detail["outcome"] == "done"
    assert decode_voice_reply(encode_voice_reply(reply)) == reply


def test_a_chinese_reply_round_trips() -> None:
    reply = VoiceReply(utterance="u-1", ok=False, intent="book_room", say="会议室已被预订。")
    assert decode_voice_reply(encode_voice_reply(reply)).say == "会议室已被预订。"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", Reason.MALFORMED_JSON),
        (_command(2, {"type": "voice_reply"}), Reason.UNSUPPORTED_VERSION),
        (_command(1, {"type": "voice_reply", "utterance": "u", "ok": True}), Reason.INVALID_DATA),
        (
            _command(
                1,
                {"type": "voice_reply", "utterance": "u/#", "ok": True, "intent": "x", "say": ""},
            ),
            Reason.INVALID_DATA,
        ),
    ],
)
def test_bad_voice_replies_are_refused(payload: bytes, reason: Reason) -> None:
    with pytest.raises(ContractError) as caught:
        decode_voice_reply(payload)
    assert caught.value.reason is reason


def _intent(**data: object) -> tuple[str, bytes]:
    path = next(p for p in GOLDEN if p.stem == "intent")
    example = json.loads(path.read_text())
    payload = example["payload"] | {"data": example["payload"]["data"] | data}
    return example["topic"], orjson.dumps(payload)


def test_an_intent_travels_on_speech_intent_and_keeps_its_slots() -> None:
    assert TYPE_CHANNELS["intent"] == ("speech", "intent")
    topic, payload = _intent(slots={"person": "Ana", "task": "send it", "n": 2, "x": None})
    data = decode(topic, payload).data
    assert isinstance(data, IntentData)
    assert data.slots == {"person": "Ana", "task": "send it", "n": 2, "x": None}
    assert data.said_at.utcoffset() is not None and data.said_at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"confidence": 1.5},
        {"trigger": "telepathy"},
        {"said_at": "2026-11-27T09:40:01"},
        {"intent": "Extend Meeting"},
        {"slots": {"duration": [15]}},
        {"utterance": "a/b"},
    ],
)
def test_bad_intents_are_invalid_data(data: dict) -> None:
    topic, payload = _intent(**data)
    with pytest.raises(ContractError) as caught:
        decode(topic, payload)
    assert caught.value.reason is Reason.INVALID_DATA


def test_the_spool_never_drops_intents() -> None:
    from edge.spool import DROP_ORDER, MessageClass, classify

    topic, _ = _intent()
    assert classify(topic) is MessageClass.SPEECH and MessageClass.SPEECH not in DROP_ORDER


# -- occupancy fusion fields (optional) ------------------------------------------------------


def _golden(stem: str) -> tuple[str, dict]:
    example = json.loads((Path(__file__).parent / "golden" / f"{stem}.json").read_text())
    return example["topic"], example["payload"]


def test_fused_occupancy_carries_probability_band_and_reasons() -> None:
    topic, payload = _golden("occupancy_room_fused")
    data = decode(topic, orjson.dumps(payload)).data
    assert isinstance(data, OccupancyData)
    assert (data.probability, data.band, data.band_top, data.band_confidence) == (
        0.99,
        2,
        3,
        0.86,
    )
    assert data.signals == ["radar-count", "door_sealed", "speech"]


def test_occupancy_without_fusion_fields_leaves_them_unknown() -> None:
    topic, payload = _golden("occupancy_room")
    data = decode(topic, orjson.dumps(payload)).data
    assert isinstance(data, OccupancyData)
    assert (data.probability, data.band, data.band_top, data.band_confidence) == (None,) * 4


def test_heartbeat_spaces_carry_the_same_fields() -> None:
    topic, payload = _golden("heartbeat_fused")
    data = decode(topic, orjson.dumps(payload)).data
    assert isinstance(data, HeartbeatData)
    room = data.spaces[0]
    assert (room.band, room.band_top, room.signals) == (2, 3, ["radar-count", "door_sealed"])
    old_topic, old_payload = _golden("heartbeat")
    old = decode(old_topic, orjson.dumps(old_payload)).data
    assert isinstance(old, HeartbeatData)
    assert all(s.signals == [] and s.band is None for s in old.spaces)


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"band": 4, "band_top": 3}, "band (4) is above band_top (3)"),
        ({"band": 21}, "band"),
        ({"band": -1}, "band"),
        ({"band_top": 0}, "band_top"),
        ({"probability": 1.2}, "probability"),
        ({"band_confidence": -0.1}, "band_confidence"),
    ],
)
def test_bad_fusion_fields_are_invalid_data(fields: dict, complaint: str) -> None:
    for stem in ("occupancy_room_fused", "heartbeat_fused"):
        topic, payload = _golden(stem)
        data = dict(payload["data"])
        if stem.startswith("heartbeat"):
            data["spaces"] = [data["spaces"][0] | fields]
        else:
            data |= fields
        with pytest.raises(ContractError) as caught:
            decode(topic, orjson.dumps(payload | {"data": data}))
        assert caught.value.reason is Reason.INVALID_DATA
        assert complaint in caught.value.detail


def test_a_band_may_equal_its_top() -> None:
    topic, payload = _golden("occupancy_room_fused")
    data = payload["data"] | {"band": 3, "band_top": 3}
    decoded = decode(topic, orjson.dumps(payload | {"data": data})).data
    assert isinstance(decoded, OccupancyData) and decoded.band == decoded.band_top == 3


# -- the spool's fill in heartbeats (optional) ---------------------------------------------


def test_a_heartbeat_may_say_how_full_the_spool_is() -> None:
    topic, payload = _golden("heartbeat_spool")
    data = decode(topic, orjson.dumps(payload)).data
    assert isinstance(data, HeartbeatData)
    assert data.spool == SpoolFill(
        pending=41250, max_messages=50000, bytes=9437184, max_bytes=67108864
    )
    assert data.spool.used == 0.825  # the messages, the fuller of the two
    for stem in ("heartbeat", "heartbeat_fused"):  # older heartbeats stay valid
        old_topic, old_payload = _golden(stem)
        old = decode(old_topic, orjson.dumps(old_payload)).data
        assert isinstance(old, HeartbeatData) and old.spool is None


def test_speech_kept_over_the_bound_may_fill_the_spool_beyond_it() -> None:
    fill = SpoolFill(pending=10, max_messages=5, bytes=100, max_bytes=1000)
    assert fill.used == 2.0


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"pending": -1}, "spool.pending"),
        ({"max_messages": 0}, "spool.max_messages"),
        ({"bytes": -5}, "spool.bytes"),
        ({"max_bytes": 0}, "spool.max_bytes"),
        ({"pending": "many"}, "spool.pending"),
    ],
)
def test_bad_spool_fills_are_invalid_data(fields: dict, complaint: str) -> None:
    topic, payload = _golden("heartbeat_spool")
    data = payload["data"] | {"spool": payload["data"]["spool"] | fields}
    with pytest.raises(ContractError) as caught:
        decode(topic, orjson.dumps(payload | {"data": data}))
    assert caught.value.reason is Reason.INVALID_DATA
    assert complaint in caught.value.detail


def test_a_spool_fill_needs_its_bounds() -> None:
    topic, payload = _golden("heartbeat_spool")
    data = payload["data"] | {"spool": {"pending": 3, "bytes": 300}}
    with pytest.raises(ContractError) as caught:
        decode(topic, orjson.dumps(payload | {"data": data}))
    assert caught.value.reason is Reason.INVALID_DATA
    assert "spool.max_messages" in caught.value.detail
