"""A paho-mqtt client that keeps itself connected, for terminals and the hub alike.

What it adds to paho (and why):
- ``protocol="auto"`` speaks MQTT 5 and falls back to 3.1.1 when the broker
  answers "unsupported protocol version" (the demo's embedded broker does);
  paho cannot change protocol on a client, so a new one is built.
- reconnects with exponential back-off (paho's own loop, 1 s doubling to 30 s).
- subscriptions are made in ``on_connect``, so they survive reconnects, and
  ``on_connected`` hooks run after every (re)connect: the terminal re-publishes
  its retained status there, the cure for devices that stay "unavailable"
  after a broker restart.
- ``manual_ack=True`` leaves the QoS 1 acknowledgement to the caller: the hub
  acks a message only after committing it, so a crash before the commit
  leaves it unacknowledged. Acks carry the connection they belong to
  (:class:`DeliveryTag`): a message id from an earlier connection means
  nothing to the broker on the next one.
- ``subscribe(..., share_group=G)`` subscribes to ``$share/G/<filter>`` (MQTT 5
  shared subscription: the broker splits the messages between the group's
  members) when the connection speaks MQTT 5, and to the plain filter after a
  fallback to 3.1.1, with a warning; ``no_local`` (MQTT 5) keeps a client's own
  publications from coming back to it. Received messages carry the plain topic.
"""

import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

log = logging.getLogger(__name__)

Protocol = Literal["auto", "5", "3.1.1"]
UNSUPPORTED_PROTOCOL_VERSION = 132  # MQTT 5 CONNACK reason 0x84; 3.1.1 brokers send 1
# Some 3.1.1-only brokers (amqtt) never answer an MQTT 5 CONNECT that carries a will.
HANDSHAKE_TIMEOUT_S = 5.0
MessageHandler = Callable[[paho.MQTTMessage], None]


@dataclass(frozen=True)
class BrokerAddress:
    host: str = "localhost"
    port: int = 1883
    protocol: Protocol = "auto"
    keepalive_s: float = 30.0
    username: str | None = None
    password: str | None = None
    tls: bool = False
    # With tls: the CA that signed the broker's certificate (None: the system's CAs), and a
    # client certificate with its key for listeners that require one. Host names are checked.
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


@dataclass(frozen=True)
class DeliveryTag:
    """What :meth:`MqttConnection.ack` needs to acknowledge one received message."""

    connection: int  # which (re)connect delivered it
    mid: int
    qos: int


@dataclass(frozen=True)
class Subscription:
    qos: int = 1
    # MQTT 5 shared subscription group; ignored (plain filter) on an MQTT 3.1.1 connection.
    share_group: str | None = None
    # MQTT 5: do not deliver this client's own publications back to it.
    no_local: bool = False


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


class MqttConnection:
    def __init__(
        self,
        address: BrokerAddress,
        client_id: str,
        *,
        will: Will | None = None,
        on_message: MessageHandler | None = None,
        on_connected: Callable[[], None] | None = None,
        on_disconnected: Callable[[], None] | None = None,
        on_published: Callable[[int], None] | None = None,
        clean_session: bool = True,
        max_inflight: int = 100,
        manual_ack: bool = False,
        receive_maximum: int | None = None,
    ) -> None:
        self.address = address
        self.client_id = client_id
        self._will = will
        self._on_message = on_message
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._on_published = on_published
        self._clean_session = clean_session
        self._max_inflight = max_inflight
        self._manual_ack = manual_ack
        # MQTT 5: how many unacknowledged QoS 1 messages the broker may send us at once.
        # With acks after a batch commit this must cover a batch's worth of messages.
        self._receive_maximum = receive_maximum
        self._subscriptions: dict[str, Subscription] = {}
        # The filter each subscription was last made with ($share/... or plain), for unsubscribe.
        self._made: dict[str, str] = {}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._stopping = False
        self.protocol_in_use: Literal["5", "3.1.1"] = (
            "3.1.1" if address.protocol == "3.1.1" else "5"
        )
        self.connect_count = 0
        self._client = self._build_client()

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; returns at once. Retries until :meth:`stop`."""
        self._client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=int(self.address.keepalive_s),
            **self._connect_kwargs(),
        )
        self._client.loop_start()
        if self.address.protocol == "auto" and self.protocol_in_use == "5":
            timer = threading.Timer(HANDSHAKE_TIMEOUT_S, self._fall_back_if_handshake_hangs)
            timer.daemon = True
            timer.start()

    def _fall_back_if_handshake_hangs(self) -> None:
        if self.connect_count or self._stopping or self.protocol_in_use != "5":
            return
        try:  # only a broker that accepts TCP but never answers is a protocol problem
            socket.create_connection((self.address.host, self.address.port), timeout=1).close()
        except OSError:
            return
        log.warning("no answer to an MQTT 5 CONNECT; falling back to MQTT 3.1.1")
        self._fall_back_to_311()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def stop(self) -> None:
        """Disconnect cleanly (the broker does not send the Last Will)."""
        self._stopping = True
        client = self._client
        client.disconnect()
        client.loop_stop()
        self._connected.clear()

    # -- messaging -------------------------------------------------------------

    def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> paho.MQTTMessageInfo:
        """Queue a message. paho keeps QoS>0 messages in memory while offline."""
        return self._client.publish(topic, payload, qos=qos, retain=retain)

    def delivery_tag(self, message: paho.MQTTMessage) -> DeliveryTag:
        """Call from ``on_message``: names the message for a later :meth:`ack`."""
        return DeliveryTag(self.connect_count, message.mid, message.qos)

    def ack(self, tag: DeliveryTag) -> bool:
        """Acknowledge a message received with ``manual_ack``; False if it can no longer be.

        After a reconnect the broker has forgotten the old connection's message ids (clean
        sessions): such a message will not be re-delivered by the broker, and its producer's
        spool re-sends it instead.
        """
        if tag.qos == 0 or not self._manual_ack:
            return True
        if tag.connection != self.connect_count or not self.connected:
            return False
        return self._client.ack(tag.mid, tag.qos) == paho.MQTT_ERR_SUCCESS

    def subscribe(
        self,
        topic_filter: str,
        qos: int = 1,
        *,
        share_group: str | None = None,
        no_local: bool = False,
    ) -> None:
        """Subscribe now if connected, and again after every reconnect.

        ``share_group``: an MQTT 5 shared subscription (``$share/<group>/<filter>``); on an
        MQTT 3.1.1 connection the plain filter is used instead, and a warning logged.
        """
        if share_group is not None and not _valid_share_name(share_group):
            raise ValueError(f"share group {share_group!r} must be non-empty without / + #")
        subscription = Subscription(qos, share_group, no_local)
        with self._lock:
            self._subscriptions[topic_filter] = subscription
        if self.connected:
            self._make(self._client, topic_filter, subscription)

    def unsubscribe(self, topic_filter: str) -> None:
        with self._lock:
            self._subscriptions.pop(topic_filter, None)
            made = self._made.pop(topic_filter, topic_filter)
        if self.connected:
            self._client.unsubscribe(made)

    @property
    def shares_subscriptions(self) -> bool:
        """Whether share groups are in effect: only on an MQTT 5 connection."""
        return self.protocol_in_use == "5"

    # -- paho plumbing ---------------------------------------------------------

    def _build_client(self) -> paho.Client:
        protocol = paho.MQTTv5 if self.protocol_in_use == "5" else paho.MQTTv311
        kwargs: dict[str, Any] = {"client_id": self.client_id, "protocol": protocol}
        if protocol == paho.MQTTv311:
            kwargs["clean_session"] = self._clean_session
        client = paho.Client(CallbackAPIVersion.VERSION2, manual_ack=self._manual_ack, **kwargs)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_inflight_messages_set(self._max_inflight)
        client.max_queued_messages_set(0)  # unbounded in memory; the terminal spool bounds it
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            client.tls_set(
                ca_certs=self.address.ca_file,
                certfile=self.address.cert_file,
                keyfile=self.address.key_file,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        if self._will is not None:
            client.will_set(self._will.topic, self._will.payload, self._will.qos, self._will.retain)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_message = self._handle_message
        client.on_publish = self._handle_publish
        return client

    def _connect_kwargs(self) -> dict[str, Any]:
        if self.protocol_in_use != "5":
            return {}
        kwargs: dict[str, Any] = {"clean_start": self._clean_session}
        if self._receive_maximum is not None:
            properties = Properties(PacketTypes.CONNECT)
            properties.ReceiveMaximum = self._receive_maximum
            kwargs["properties"] = properties
        return kwargs

    def _handle_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason: ReasonCode,
        props: Properties | None,
    ) -> None:
        if reason.is_failure:
            if (
                self.address.protocol == "auto"
                and self.protocol_in_use == "5"
                and reason.value == UNSUPPORTED_PROTOCOL_VERSION
            ):
                log.warning("broker refused MQTT 5; falling back to MQTT 3.1.1")
                threading.Thread(target=self._fall_back_to_311, daemon=True).start()
                return
            log.warning("broker refused the connection: %s", reason)
            return
        self.connect_count += 1
        with self._lock:
            subscriptions = list(self._subscriptions.items())
        for topic_filter, subscription in subscriptions:
            self._make(client, topic_filter, subscription)
        if not self.shares_subscriptions and any(s.share_group for _, s in subscriptions):
            log.warning(
                "MQTT 3.1.1: no shared subscriptions, so this hub worker receives every message; "
                "run only one worker against this broker (shared subscriptions need MQTT 5)"
            )
        self._connected.set()
        log.info(
            "connected to %s:%s (MQTT %s)",
            self.address.host,
            self.address.port,
            self.protocol_in_use,
        )
        if self._on_connected is not None:
            self._on_connected()

    def _make(self, client: paho.Client, topic_filter: str, subscription: Subscription) -> None:
        made = topic_filter
        if self.shares_subscriptions:
            if subscription.share_group:
                made = f"$share/{subscription.share_group}/{topic_filter}"
            options = SubscribeOptions(qos=subscription.qos, noLocal=subscription.no_local)
            client.subscribe(made, options=options)
        else:
            client.subscribe(made, subscription.qos)
        with self._lock:
            self._made[topic_filter] = made

    def _fall_back_to_311(self) -> None:
        with self._lock:
            if self.protocol_in_use == "3.1.1":
                return
            self.protocol_in_use = "3.1.1"
        old = self._client
        old.loop_stop()
        old.disconnect()
        self._client = self._build_client()
        if not self._stopping:
            self.start()

    def _handle_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason: ReasonCode,
        props: Properties | None,
    ) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        if was_connected and not self._stopping:
            log.warning("lost connection to broker (%s); reconnecting with back-off", reason)
        if was_connected and self._on_disconnected is not None:
            self._on_disconnected()

    def _handle_message(
        self, client: paho.Client, userdata: Any, message: paho.MQTTMessage
    ) -> None:
        if self._on_message is None:
            return
        try:
            self._on_message(message)
        except Exception:  # a bad handler must not kill paho's network thread
            log.exception("message handler failed on %s", message.topic)

    def _handle_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        props: Properties | None,
    ) -> None:
        if self._on_published is not None:
            self._on_published(mid)


def _valid_share_name(name: str) -> bool:
    return bool(name) and not any(c in name for c in "/+#")
