"""Ingest counters and dead letters, with ingest off (from the database) and on (a fake service)."""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from api_world import NOW, Hub, running_hub

from common.mqtt import BrokerAddress
from hub.db.models import DeadLetter, GivenUpRange, IngestedMessage, IngestStream
from hub.ingest.stats import IngestStats


def add_dead_letters(hub: Hub) -> None:
    with hub.session() as session:
        for i, (reason, payload) in enumerate(
            [
                ("malformed_json", b"{not json"),
                ("malformed_json", b"\xff\xfe binary"),
                ("unknown_room", '{"room": "küche"}'.encode()),
            ]
        ):
            session.add(
                DeadLetter(
                    received_at=NOW - timedelta(minutes=10 - i),
                    topic=f"quorum/v1/rooms/x/devices/d/occupancy#{i}",
                    payload=payload,
                    reason=reason,
                    detail=f"detail {i}",
                )
            )
        session.add(
            IngestedMessage(
                device_id="term-hq-f1-aurora",
                boot="b",
                seq=1,
                type="occupancy",
                ts=NOW,
                received_at=NOW,
                stored_at=NOW,
            )
        )


def test_stats_come_from_the_database_when_ingest_is_off(people: Hub) -> None:
    add_dead_letters(people)
    body = people.ok("/ingest/stats", "facilities-exec")
    assert body["ingest_running"] is False
    assert body["service"] is None
    assert body["stored"] == {
        "messages": 1,
        "dead_letters": 3,
        "dead_letters_by_reason": {"malformed_json": 2, "unknown_room": 1},
        "last_dead_letter_at": "2026-01-06T11:52:00+00:00",
    }


def test_delivery_figures_show_open_gaps_replays_and_what_terminals_gave_up(
    people: Hub,
) -> None:
    with people.session() as session:
        for device, through, highest, replays in (("t1", 10, 10, 0), ("t2", 4, 9, 2)):
            session.add(
                IngestStream(
                    device_id=device,
                    boot="b1",
                    room_id="hq-f1-aurora",
                    through_seq=through,
                    highest_seq=highest,
                    gap_since=NOW if through < highest else None,
                    replays_requested=replays,
                    updated_at=NOW,
                )
            )
        session.add(
            GivenUpRange(
                device_id="t1",
                boot="b1",
                first_seq=3,
                last_seq=5,
                reason="spool_full",
                reported_at=NOW,
            )
        )
    body = people.ok("/ingest/stats", "facilities-exec")
    assert body["delivery"] == {
        "streams": 2,
        "streams_with_open_gaps": 1,
        "messages_missing": 5,
        "replays_requested": 2,
        "messages_given_up": 3,
    }


def test_dead_letters_show_text_or_base64_newest_first_paginated(hub: Hub) -> None:
    add_dead_letters(hub)
    body = hub.ok("/dead-letters", params={"limit": 2})
    assert body["total"] == 3
    assert body["counts_by_reason"] == {"malformed_json": 2, "unknown_room": 1}
    first, second = body["items"]
    assert (first["reason"], first["payload"], first["payload_encoding"]) == (
        "unknown_room",
        '{"room": "küche"}',
        "utf-8",
    )
    assert second["payload_encoding"] == "base64"
    assert second["payload"] == "//4gYmluYXJ5"
    assert second["payload_bytes"] == 9
    rest = hub.ok("/dead-letters", params={"limit": 2, "offset": 2})["items"]
    assert [r["payload"] for r in rest] == ["{not json"]
    only = hub.ok("/dead-letters", params={"reason": "unknown_room"})
    assert only["total"] == 1 and len(only["items"]) == 1
    for bad in ({"limit": 0}, {"limit": 100000}, {"offset": -1}, {"limit": "many"}):
        assert hub.get("/dead-letters", params=bad).status_code == 422


@dataclass
class FakeIngest:
    kwargs: dict[str, Any]
    calls: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")

    def stats(self) -> IngestStats:
        return IngestStats(
            received=10,
            stored=7,
            duplicates=2,
            dead_letters=1,
            dead_letters_by_reason={"malformed_json": 1},
            queue_depth=0,
            connected=True,
            last_commit_at=NOW,
        )


def test_the_lifespan_starts_and_stops_ingest_and_the_api_shows_its_counters(
    tmp_path: Path,
) -> None:
    made: list[FakeIngest] = []

    def factory(**kwargs: Any) -> FakeIngest:
        made.append(FakeIngest(kwargs))
        return made[-1]

    settings: dict[str, Any] = {
        "ingest_enabled": True,
        "mqtt_host": "broker.local",
        "mqtt_port": 1884,
        "mqtt_prefix": "q",
        "mqtt_protocol": "3.1.1",
        "ingest_batch_size": 42,
    }
    with running_hub(tmp_path, ingest_factory=factory, **settings) as hub:
        (service,) = made
        assert service.calls == ["start"]
        assert service.kwargs["broker"] == BrokerAddress(
            host="broker.local", port=1884, protocol="3.1.1"
        )
        assert service.kwargs["prefix"] == "q"
        assert service.kwargs["batch_size"] == 42
        assert service.kwargs["live"] is hub.state.live
        assert service.kwargs["clock"] is hub.clock
        body = hub.ok("/ingest/stats")
        assert body["ingest_running"] is True
        assert body["service"]["received"] == 10
        assert body["service"]["dead_letters_by_reason"] == {"malformed_json": 1}
        assert body["service"]["last_commit_at"] == "2026-01-06T12:00:00+00:00"
    assert service.calls == ["start", "stop"]
