"""The Home Assistant bridge against a real Mosquitto, inside the real hub app.

Checked by what a subscriber playing Home Assistant sees, in order: discovery configs with
the keys Home Assistant needs, published again when Home Assistant announces itself and
after a broker restart, and room states that follow occupancy ingested through MQTT.
Nothing waits for a time: every wait is for a message, with a generous bound.
"""

import re
from pathlib import Path

import pytest
from hub_on_broker import (
    DEVICE_OF_ROOM,
    ROOMS,
    Recorder,
    Seen,
    Terminal,
    hub_settings,
    running_hub,
    wait_for,
)

from devtools.broker import RunningBroker

pytestmark = pytest.mark.integration

CONFIG_TOPIC = re.compile(
    r"^homeassistant/(?P<component>binary_sensor|sensor)/(?P<node>[a-zA-Z0-9_-]+)"
    r"/(?P<object>[a-zA-Z0-9_-]+)/config$"
)
# Per room: occupancy, people, booking, and one connectivity sensor per terminal.
EXPECTED_CONFIGS = len(ROOMS) * 3 + len(DEVICE_OF_ROOM)


def configs(seen: list[Seen]) -> list[Seen]:
    return [s for s in seen if s.topic.endswith("/config") and s.payload]


def config_topics(seen: list[Seen]) -> set[str]:
    return {s.topic for s in configs(seen)}


def check_config(message: Seen, prefix: str) -> None:
    """The topic format and the keys Home Assistant's MQTT discovery needs."""
    match = CONFIG_TOPIC.match(message.topic)
    assert match, message.topic
    config = message.json()
    assert match["node"] == prefix  # test prefixes are valid node ids as they are
    assert config["unique_id"] == f"{match['node']}_{match['object']}"
    assert config["name"] and config["state_topic"].startswith(f"{prefix}/v1/hub/ha/rooms/")
    assert config["value_template"].startswith("{{ value_json.")
    assert config["qos"] == 1
    device = config["device"]
    assert set(device) >= {"identifiers", "name", "manufacturer", "model", "sw_version"}
    assert device["suggested_area"] == device["name"]
    assert config["origin"]["name"] == "Quorum hub"
    availability = config["availability"]
    assert availability[0] == {
        "topic": f"{prefix}/v1/hub/ha/availability",
        "payload_available": "online",
        "payload_not_available": "offline",
    }
    assert config["availability_mode"] == "all"
    if match["component"] == "binary_sensor":
        assert (config["payload_on"], config["payload_off"]) in {
            ("ON", "OFF"),
            ("online", "offline"),
        }
    object_id = match["object"]
    if object_id.endswith("_occupancy"):
        assert config["device_class"] == "occupancy"
        assert availability[1]["value_template"] == "{{ value_json.availability }}"
    if object_id.endswith("_connectivity"):
        assert config["device_class"] == "connectivity"
        assert config["entity_category"] == "diagnostic"
    if object_id.endswith("_booking"):
        assert config["device_class"] == "enum"
        assert config["options"] == ["free", "booked", "checked_in", "no_show", "released"]


def test_discovery_is_published_on_start_again_for_home_assistant_and_after_a_broker_restart(
    broker: RunningBroker, tmp_path: Path, topic_prefix: str
) -> None:
    ha = Recorder(
        broker, "home-assistant", ["homeassistant/+/+/+/config", f"{topic_prefix}/v1/hub/ha/#"]
    )
    availability = f"{topic_prefix}/v1/hub/ha/availability"
    try:
        with running_hub(hub_settings(tmp_path, broker, topic_prefix)):
            # 1. On start: every config, then "online", then the rooms' states.
            wait_for(lambda: ha.latest(availability), "the bridge's availability")
            first = ha.seen
            assert len(config_topics(first)) == EXPECTED_CONFIGS
            for message in configs(first):
                check_config(message, topic_prefix)
            order = [s.topic for s in first]
            online_at = order.index(availability)
            assert max(order.index(t) for t in config_topics(first)) < online_at
            assert first[online_at].payload == b"online" and first[online_at].retained is False
            states = {f"{topic_prefix}/v1/hub/ha/rooms/{room}/state" for room in ROOMS}
            wait_for(lambda: states <= {s.topic for s in ha.seen}, "every room's state")

            # 2. Home Assistant restarts: its retained configs are gone (cleared here), and
            # its birth message asks for them again.
            for topic in config_topics(first):
                ha.publish(topic, b"", retain=True)
            ha.clear()
            ha.publish("homeassistant/status", b"online")
            wait_for(
                lambda: len(config_topics(ha.seen)) == EXPECTED_CONFIGS,
                "every config again after homeassistant/status online",
            )
            wait_for(lambda: ha.latest(availability), "online again after the configs")
            again = ha.seen
            assert config_topics(again) == config_topics(first)
            order = [s.topic for s in again]
            assert max(order.index(t) for t in config_topics(again)) < order.index(availability)
            wait_for(lambda: states <= {s.topic for s in ha.seen}, "every state again")

            # 3. The broker restarts (no persistence: every retained message is lost); the
            # bridge reconnects and publishes everything again, retained.
            ha.clear()
            broker.restart()
            wait_for(
                lambda: (
                    len(config_topics(ha.seen)) == EXPECTED_CONFIGS
                    and ha.latest(availability) is not None
                ),
                "every config and online again after the broker restart",
            )
            late = Recorder(broker, "late-subscriber", ["homeassistant/+/+/+/config"])
            try:
                wait_for(
                    lambda: len(config_topics(late.seen)) == EXPECTED_CONFIGS,
                    "the configs retained on the restarted broker",
                )
                assert all(s.retained for s in late.seen)
            finally:
                late.close()
        # 4. A clean stop says offline (the Last Will covers a hub that dies).
        wait_for(
            lambda: (ha.latest(availability) or Seen("", b"", False)).payload == b"offline",
            "offline after the hub stopped",
        )
    finally:
        ha.close()


def test_room_state_follows_occupancy_ingested_from_mqtt_and_stale_entities_are_removed(
    broker: RunningBroker, tmp_path: Path, topic_prefix: str
) -> None:
    ha = Recorder(broker, "home-assistant", ["homeassistant/#", f"{topic_prefix}/v1/hub/ha/#"])
    terminal = Recorder(broker, "terminal", [])
    # A room that was removed from the hub while it was down: its entity is still retained.
    gone = f"homeassistant/binary_sensor/{topic_prefix}/old-room_occupancy/config"
    terminal.publish(gone, b'{"name": "Occupancy"}', retain=True)
    aurora = Terminal("hq-f1-aurora", topic_prefix)
    state_topic = f"{topic_prefix}/v1/hub/ha/rooms/hq-f1-aurora/state"
    try:
        with running_hub(hub_settings(tmp_path, broker, topic_prefix)):
            wait_for(
                lambda: any(s.topic == gone and s.payload == b"" for s in ha.seen),
                "the stale entity removed (an empty retained config)",
            )
            wait_for(lambda: ha.latest(state_topic), "aurora's first state")
            before = ha.latest(state_topic)
            assert before is not None
            assert before.json()["occupancy"] is None and before.json()["availability"] == "offline"

            terminal.publish(*aurora.status("online"), retain=True)
            terminal.publish(*aurora.occupancy(True, band=2))

            def document() -> dict[str, object] | None:
                latest = ha.latest(state_topic)
                return latest.json() if latest is not None else None

            wait_for(
                lambda: (document() or {}).get("occupancy") == "ON",
                "aurora occupied in Home Assistant's state",
            )
            wait_for(lambda: (document() or {}).get("people") == "2", "the people band")
            state = document()
            assert state is not None
            assert state["availability"] == "online"
            assert state["terminals"] == {"term-hq-f1-aurora": "online"}
            assert state["booking"] == "free"

            terminal.publish(*aurora.occupancy(True, band=3))
            wait_for(lambda: (document() or {}).get("people") == "3+", "the top band, '3+'")
            terminal.publish(*aurora.occupancy(False))
            wait_for(
                lambda: (
                    (document() or {}).get("occupancy") == "OFF"
                    and (document() or {}).get("people") == "0"
                ),
                "aurora empty again",
            )
            terminal.publish(*aurora.status("offline"), retain=True)
            wait_for(
                lambda: (document() or {}).get("terminals") == {"term-hq-f1-aurora": "offline"},
                "the terminal offline",
            )
            assert (document() or {}).get("availability") == "offline"
            # Each state the room went through was published, in order (repeats collapsed).
            values = [
                (d["occupancy"], d["people"])
                for d in (s.json() for s in ha.seen if s.topic == state_topic)
            ]
            collapsed = [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]
            assert collapsed == [(None, None), ("ON", "2"), ("ON", "3+"), ("OFF", "0")]
    finally:
        terminal.close()
        ha.close()
