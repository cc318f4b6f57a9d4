"""The bridge's own MQTT connection: its Last Will, and what it listens to.

Its own connection (not the ingest's) because the Last Will belongs to the connection: when
the hub process dies, the broker publishes ``offline`` on the bridge's availability topic and
Home Assistant marks every Quorum entity unavailable, instead of showing the last state as if
it were current. Subscriptions are remade after every reconnect (common.mqtt), and every
(re)connect calls ``on_connected``: the service then publishes everything again.

It listens to:
- ``<discovery_prefix>/status``: Home Assistant's birth message ``online`` means it has
  (re)started and wants the discovery configs again;
- the bridge's own retained configs and room states, to find those of removed rooms;
- its own availability topic: an ``offline`` there while this bridge is connected is the Last
  Will of an earlier bridge (a hub worker that died after another took over) and is answered
  with ``online``.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as paho

from common.mqtt import BrokerAddress, MqttConnection, Will
from hub.homeassistant.discovery import OFFLINE, ONLINE, Bridge
from hub.homeassistant.topics import (
    availability_topic,
    discovery_filter,
    ha_status_topic,
    room_states_filter,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkHandlers:
    """What the service does about what the link hears; called on paho's network thread."""

    connected: Callable[[], None]
    ha_online: Callable[[], None]
    retained_seen: Callable[[str, bytes], None]
    availability_lost: Callable[[], None]


class BridgeLink:
    def __init__(
        self, address: BrokerAddress, client_id: str, bridge: Bridge, handlers: LinkHandlers
    ) -> None:
        self._bridge = bridge
        self._handlers = handlers
        self._availability = availability_topic(bridge.prefix)
        self._ha_status = ha_status_topic(bridge.discovery_prefix)
        self._stopping = False
        self._mqtt = MqttConnection(
            address,
            client_id,
            will=Will(self._availability, OFFLINE.encode(), qos=1, retain=True),
            on_message=self._on_message,
            on_connected=handlers.connected,
        )
        self._mqtt.subscribe(self._ha_status, qos=1)
        # No Local (MQTT 5): our own publications need not come back; on 3.1.1 they do, and
        # are recognised as ours (they are what the database backs, or "online").
        for topic_filter in (
            discovery_filter(bridge.discovery_prefix, bridge.node),
            room_states_filter(bridge.prefix),
            self._availability,
        ):
            self._mqtt.subscribe(topic_filter, qos=1, no_local=True)

    def start(self) -> None:
        self._mqtt.start()

    def stop(self) -> None:
        """Say ``offline`` (a clean disconnect sends no Last Will), then disconnect."""
        self._stopping = True
        if self._mqtt.connected:
            info = self._mqtt.publish(self._availability, OFFLINE.encode(), qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=5)
            except (RuntimeError, ValueError):  # lost the connection meanwhile
                log.debug("could not say offline before disconnecting")
        self._mqtt.stop()

    @property
    def connected(self) -> bool:
        return self._mqtt.connected

    def publish(self, topic: str, payload: bytes, *, retain: bool) -> bool:
        """QoS 1; False while disconnected (the reconnect publishes everything anyway)."""
        if not self._mqtt.connected:
            return False
        return self._mqtt.publish(topic, payload, qos=1, retain=retain).rc == paho.MQTT_ERR_SUCCESS

    def _on_message(self, message: paho.MQTTMessage) -> None:
        topic, payload = message.topic, bytes(message.payload)
        if topic == self._ha_status:
            if payload.strip().lower() == ONLINE.encode():
                log.info("Home Assistant announced itself: publishing discovery again")
                self._handlers.ha_online()
        elif topic == self._availability:
            if payload == OFFLINE.encode() and not self._stopping:
                self._handlers.availability_lost()
        else:
            self._handlers.retained_seen(topic, payload)
