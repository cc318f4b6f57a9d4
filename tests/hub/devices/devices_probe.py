"""An MQTT 5 test client that records what the broker answered (reason codes, in order).

Each call waits, with a generous bound, for the broker's answer to it and returns it; no
test here asserts on how long anything took.
"""

import queue
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

BOUND_S = 15.0
NOT_AUTHORIZED = 0x87
ADMINISTRATIVE_ACTION = 0x98


@dataclass(frozen=True)
class Outcome:
    """How a connection attempt ended: a CONNACK, a closed connection, or a TLS error."""

    connack: ReasonCode | None = None
    closed: ReasonCode | None = None
    tls_error: Exception | None = None

    @property
    def accepted(self) -> bool:
        return self.connack is not None and not self.connack.is_failure


class Probe:
    def __init__(
        self,
        client_id: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        ca_file: Path | None = None,
        cert: Path | None = None,
        key: Path | None = None,
        host: str = "localhost",
    ) -> None:
        self.host, self.port = host, port
        self.events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
        # Its own network loop, which never reconnects: a kicked probe stays down, and the
        # test reconnects with a new probe when it means to.
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        if username is not None:
            client.username_pw_set(username, password)
        if ca_file is not None:
            client.tls_set(
                ca_certs=str(ca_file),
                certfile=str(cert) if cert else None,
                keyfile=str(key) if key else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client.on_connect = lambda c, u, f, rc, p: self.events.put(("connack", rc))
        client.on_disconnect = lambda c, u, f, rc, p: self.events.put(("closed", rc))
        client.on_publish = lambda c, u, mid, rc, p: self.events.put(("puback", mid, rc))
        client.on_subscribe = lambda c, u, mid, rcs, p: self.events.put(("suback", mid, rcs))
        client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.client = client

    def connect(self) -> Outcome:
        try:
            self.client.connect(self.host, self.port, keepalive=30)
        except (ssl.SSLError, OSError) as exc:
            return Outcome(tls_error=exc)
        self._thread.start()
        event = self._next("connack", "closed")
        return Outcome(connack=event[1]) if event[0] == "connack" else Outcome(closed=event[1])

    def publish(self, topic: str, payload: bytes = b"{}", retain: bool = False) -> ReasonCode:
        mid = self.client.publish(topic, payload, qos=1, retain=retain).mid
        event = self._next("puback")
        assert event[1] == mid
        rc: ReasonCode = event[2]
        return rc

    def subscribe(self, topic_filter: str) -> ReasonCode:
        mid = self.client.subscribe(topic_filter, qos=1)[1]
        event = self._next("suback")
        assert event[1] == mid
        rc: ReasonCode = event[2][0]
        return rc

    def wait_closed(self) -> ReasonCode:
        rc: ReasonCode = self._next("closed")[1]
        return rc

    def next_message(self, bound: float = BOUND_S) -> tuple[str, bytes]:
        return self.messages.get(timeout=bound)

    def close(self) -> None:
        self.client.disconnect()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.client.loop(timeout=0.05) != paho.MQTT_ERR_SUCCESS:
                self._stop.wait(0.05)

    def _next(self, *kinds: str) -> tuple[Any, ...]:
        while True:
            event = self.events.get(timeout=BOUND_S)
            if event[0] in kinds:
                return event
            # Say why at once instead of waiting out the bound (a CI run once lost a PUBACK).
            assert event[0] != "closed", f"the broker closed the connection: {event[1]}"
