"""Home Assistant's account on the shipped broker (deploy/mosquitto/quorum.conf, the files of
'python -m hub broker init'): it reads discovery and the hub's Home Assistant topics, announces
itself on homeassistant/status, and is refused (0x87) everything else.
"""

from collections.abc import Iterator

import pytest
from devices_probe import NOT_AUTHORIZED, Probe

from contract import topics
from devtools.secure_broker import SecuredBroker
from hub.homeassistant.topics import (
    availability_topic,
    discovery_topic,
    ha_status_topic,
    room_state_topic,
)

pytestmark = pytest.mark.integration

PREFIX, DISCOVERY = "quorum", "homeassistant"
ROOM, TERMINAL = "hq-f1-aurora", "term-a"
GRANTED_QOS_1 = 1


@pytest.fixture
def probes() -> Iterator[list[Probe]]:
    made: list[Probe] = []
    yield made
    for probe in made:
        probe.close()


def connected(probes: list[Probe], broker: SecuredBroker, name: str, user: str, pw: str) -> Probe:
    probe = Probe(name, broker.port, username=user, password=pw, ca_file=broker.ca_file)
    probes.append(probe)
    outcome = probe.connect()
    assert outcome.accepted, outcome
    return probe


def test_home_assistant_reads_discovery_and_states_and_announces_itself_only(
    secured_broker: SecuredBroker, probes: list[Probe]
) -> None:
    setup = secured_broker.setup
    assert setup.homeassistant_username == "homeassistant"
    ha = connected(
        probes, secured_broker, "ha", setup.homeassistant_username, setup.homeassistant_password
    )
    hub = connected(probes, secured_broker, "hub", setup.hub_username, setup.hub_password)

    # What Home Assistant subscribes to, and nothing of the terminals' or the hub's own.
    assert ha.subscribe(f"{DISCOVERY}/#").value == GRANTED_QOS_1
    assert ha.subscribe(f"{PREFIX}/v1/hub/ha/#").value == GRANTED_QOS_1
    for refused_filter in (
        "#",
        f"{PREFIX}/v1/rooms/+/devices/+/#",
        topics.commands_for(PREFIX, ROOM, TERMINAL),
        f"{PREFIX}/v1/hub/live",
        f"{PREFIX}/v1/users/#",
    ):
        assert ha.subscribe(refused_filter).value == NOT_AUTHORIZED, refused_filter

    # What the hub's bridge publishes for it arrives, in order.
    node = PREFIX
    published = [
        (discovery_topic(DISCOVERY, "binary_sensor", node, f"{ROOM}_occupied"), b'{"name":"x"}'),
        (room_state_topic(PREFIX, ROOM), b'{"occupied":true}'),
        (availability_topic(PREFIX), b"online"),
    ]
    for topic, payload in published:
        assert not hub.publish(topic, payload).is_failure, topic
    assert [ha.next_message() for _ in published] == published

    # It may write its birth and will, nothing else: no room data, no commands, no entities.
    watcher = connected(probes, secured_broker, "watcher", setup.hub_username, setup.hub_password)
    for watched in (f"{PREFIX}/v1/rooms/+/devices/+/#", f"{PREFIX}/v1/hub/#", f"{DISCOVERY}/#"):
        assert watcher.subscribe(watched).value == GRANTED_QOS_1
    for forged in (
        topics.occupancy_topic(PREFIX, ROOM, TERMINAL),
        topics.status_topic(PREFIX, ROOM, TERMINAL),
        topics.command_topic(PREFIX, ROOM, TERMINAL, "spool"),
        room_state_topic(PREFIX, ROOM),
        availability_topic(PREFIX),
        discovery_topic(DISCOVERY, "sensor", node, f"{ROOM}_people"),
        f"{PREFIX}/v1/hub/live",
    ):
        assert ha.publish(forged, b"forged").value == NOT_AUTHORIZED, forged
    status = ha_status_topic(DISCOVERY)
    assert not ha.publish(status, b"online").is_failure
    # One connection's messages arrive in order: a forged one would have come first.
    assert watcher.next_message() == (status, b"online")
