"""GET /metrics: who may scrape it, and counters that move with real traffic.

Traffic goes through the real ingest path (a real Mosquitto, the hub's MQTT consumer, the
SQLite file); the test scrapes before and after and compares, waiting for messages to be
committed, never for a time.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hub_on_broker import NOW, Recorder, Terminal, hub_settings, running_hub, wait_for
from prometheus_client.parser import text_string_to_metric_families

from devtools.broker import RunningBroker
from hub.app import create_app

TOKEN = "scrape-token-0123456789abcdef"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_without_a_token_there_is_no_metrics_route(
    broker: RunningBroker, tmp_path: Path, topic_prefix: str
) -> None:
    off = hub_settings(tmp_path, broker, topic_prefix, ingest_enabled=False)
    assert TestClient(create_app(off)).get("/metrics").status_code == 404  # no lifespan needed


def check_refused_without_the_token(client: TestClient) -> None:
    wrong = ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN})
    for headers in wrong:
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.integration
def test_the_token_is_needed_and_counters_move_with_traffic_through_the_real_ingest_path(
    broker: RunningBroker, tmp_path: Path, topic_prefix: str
) -> None:
    settings = hub_settings(
        tmp_path, broker, topic_prefix, metrics_token=TOKEN, homeassistant_enabled=False
    )
    terminal = Recorder(broker, "terminal", [])
    aurora = Terminal("hq-f1-aurora", topic_prefix)
    two_seconds_ago = NOW - timedelta(seconds=2)  # the hub's (fake) clock says NOW
    try:
        with running_hub(settings) as client:
            check_refused_without_the_token(client)
            wait_for(lambda: value(scrape(client), "quorum_ingest_connected") == 1, "ingest up")
            before = scrape(client)
            assert value(before, "quorum_ingest_running") == 1
            assert value(before, "quorum_devices", state="offline") == 4
            occupancy = [aurora.occupancy(i % 2 == 0, ts=two_seconds_ago) for i in range(5)]
            spool = {"pending": 40, "max_messages": 100, "bytes": 1000, "max_bytes": 10000}
            heartbeat = aurora.heartbeat(spool, ts=two_seconds_ago)
            topic = occupancy[0][0]
            garbage = [(topic, b"{not json")] * 3
            sent = [aurora.status("online"), *occupancy, heartbeat, *garbage, *occupancy[:2]]
            for message in sent:
                terminal.publish(*message)

            def settled() -> Samples | None:
                """Every message sent has left the writer: stored, duplicate or dead letter."""
                now = scrape(client)
                outcomes = sum(
                    value
                    for (name, _), value in now.items()
                    if name
                    in {
                        "quorum_ingest_messages_stored_total",
                        "quorum_ingest_duplicates_total",
                        "quorum_ingest_dead_letters_total",
                    }
                )
                return now if outcomes == len(sent) else None

            after = wait_for(settled, "every message committed")
            assert value(after, "quorum_ingest_received_total") - value(
                before, "quorum_ingest_received_total"
            ) == len(sent)

            def moved(name: str, **labels: str) -> float:
                return value(after, name, **labels) - value(before, name, **labels)

            stored = "quorum_ingest_messages_stored_total"
            assert moved(stored, type="occupancy") == 5
            assert moved(stored, type="heartbeat") == 1
            assert moved(stored, type="status") == 1
            assert moved("quorum_ingest_duplicates_total") == 2
            assert moved("quorum_ingest_dead_letters_total", reason="malformed_json") == 3
            # Lag: received at NOW, happened 2 s before, for the 6 sequenced messages stored.
            assert moved("quorum_ingest_lag_seconds_count") == 6
            assert moved("quorum_ingest_lag_seconds_sum") == pytest.approx(12.0)
            assert moved("quorum_ingest_lag_seconds_bucket", le="1.0") == 0
            assert moved("quorum_ingest_lag_seconds_bucket", le="2.5") == 6
            # State read from the database.
            assert value(after, "quorum_devices", state="online") == 1
            device = aurora.device
            assert value(after, "quorum_device_online", device=device, room=aurora.room) == 1
            assert value(after, "quorum_device_spool_pending_messages", device=device) == 40
            assert value(after, "quorum_device_spool_used_ratio", device=device) == 0.4
            assert value(after, "quorum_device_spool_bytes", device=device) == 1000
            assert value(after, "quorum_dead_letters_kept", reason="malformed_json") == 3
    finally:
        terminal.close()
