import pytest

from contract import topics


def test_topics_are_built_from_parts() -> None:
    assert topics.status_topic("quorum", "r1", "d1") == "quorum/v1/rooms/r1/devices/d1/status"
    assert (
        topics.event_topic("acme/hq", "r1", "d1", "sensor")
        == "acme/hq/v1/rooms/r1/devices/d1/events/sensor"
    )
    assert (
        topics.command_topic("quorum", "r1", "d1", "config")
        == "quorum/v1/rooms/r1/devices/d1/cmd/config"
    )


@pytest.mark.parametrize("bad", ["+", "#", "a/b", "", "Upper", "with space", "x" * 64])
def test_ids_with_wildcards_or_separators_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        topics.occupancy_topic("quorum", bad, "d1")


def test_parse_topic_round_trip_with_multi_level_prefix() -> None:
    parts = topics.parse_topic(topics.speech_topic("acme/eu", "r1", "d1", "transcript"))
    assert (parts.prefix, parts.version, parts.room, parts.device, parts.channel, parts.kind) == (
        "acme/eu",
        1,
        "r1",
        "d1",
        "speech",
        "transcript",
    )


def test_subscription_filters_cover_every_terminal_channel() -> None:
    filters = topics.all_terminal_messages("quorum")
    assert "quorum/v1/rooms/+/devices/+/status" in filters
    assert "quorum/v1/rooms/+/devices/+/events/+" in filters
    assert not any("cmd" in f for f in filters)


def test_a_seq_the_hub_cannot_store_is_refused() -> None:
    from datetime import UTC, datetime

    import pytest
    from pydantic import ValidationError

    from contract.envelope import MAX_SEQ, Envelope

    fields = {"type": "occupancy", "ts": datetime.now(UTC), "device": "t-1", "boot": "b1"}
    assert Envelope(**fields, seq=MAX_SEQ).seq == MAX_SEQ
    with pytest.raises(ValidationError):
        Envelope(**fields, seq=MAX_SEQ + 1)
