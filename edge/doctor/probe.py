"""One MQTT connection attempt, as the terminal would make it, reduced to what happened.

Connects with the config's address, protocol, credentials and TLS files, subscribes to the
terminal's own command filter (what the broker's ACL must allow), and disconnects. Never
publishes: a probe must not put messages in front of the hub or touch retained status.
"""

import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from common.mqtt import UNSUPPORTED_PROTOCOL_VERSION, BrokerAddress


@dataclass(frozen=True)
class ProbeResult:
    protocol: str  # "5" or "3.1.1": the last one tried
    #: CONNACK reason code (0 accepted, 134 bad user name or password, 135 not authorized, ...)
    reason_code: int | None = None
    reason: str = ""
    #: A connection that failed before any CONNACK: refused, unresolvable, TLS, time-out.
    error: str | None = None
    error_kind: str | None = None  # "refused", "dns", "timeout", "tls", "closed", "os"
    #: SUBACK for the command filter: True granted, False refused, None not asked.
    subscribe_granted: bool | None = None

    @property
    def accepted(self) -> bool:
        return self.reason_code == 0


def probe(
    address: BrokerAddress, client_id: str, command_filter: str, timeout_s: float
) -> ProbeResult:
    protocols = ["5", "3.1.1"] if address.protocol == "auto" else [address.protocol]
    result = ProbeResult(protocols[0])
    for protocol in protocols:
        result = _attempt(address, protocol, client_id, command_filter, timeout_s)
        if result.reason_code != UNSUPPORTED_PROTOCOL_VERSION:
            break
    return result


def _attempt(
    address: BrokerAddress, protocol: str, client_id: str, command_filter: str, timeout_s: float
) -> ProbeResult:
    version = paho.MQTTv5 if protocol == "5" else paho.MQTTv311
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version)
    client.connect_timeout = timeout_s
    if address.username:
        client.username_pw_set(address.username, address.password)
    events: dict[str, Any] = {}
    connacked, subacked = threading.Event(), threading.Event()

    def on_connect(c: paho.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        events["connack"] = reason
        connacked.set()

    def on_subscribe(c: paho.Client, userdata: Any, mid: int, codes: Any, props: Any) -> None:
        events["suback"] = codes
        subacked.set()

    def on_disconnect(c: paho.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        events.setdefault("closed", reason)
        connacked.set()
        subacked.set()

    client.on_connect, client.on_subscribe = on_connect, on_subscribe
    client.on_disconnect = on_disconnect
    try:
        if address.tls:
            client.tls_set(
                ca_certs=address.ca_file,
                certfile=address.cert_file,
                keyfile=address.key_file,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client.connect(address.host, address.port, keepalive=max(5, int(address.keepalive_s)))
    except ssl.SSLError as exc:
        return ProbeResult(protocol, error=_ssl_text(exc), error_kind="tls")
    except ConnectionRefusedError as exc:
        return ProbeResult(protocol, error=exc.strerror or str(exc), error_kind="refused")
    except TimeoutError as exc:
        return ProbeResult(protocol, error=str(exc) or "timed out", error_kind="timeout")
    except OSError as exc:
        kind = "dns" if isinstance(exc, socket.gaierror) else "os"
        return ProbeResult(protocol, error=exc.strerror or str(exc), error_kind=kind)
    client.loop_start()
    try:
        if not connacked.wait(timeout_s):
            return ProbeResult(
                protocol, error=f"no answer within {timeout_s:g} s", error_kind="timeout"
            )
        reason = events.get("connack")
        if reason is None:
            return ProbeResult(
                protocol, error="the broker closed the connection", error_kind="closed"
            )
        code = int(reason.value)
        granted: bool | None = None
        if code == 0:
            client.subscribe(command_filter, qos=1)
            if subacked.wait(timeout_s) and "suback" in events:
                granted = all(not c.is_failure for c in events["suback"])
        return ProbeResult(protocol, code, str(reason), subscribe_granted=granted)
    finally:
        client.disconnect()
        client.loop_stop()


def _ssl_text(exc: ssl.SSLError) -> str:
    return getattr(exc, "verify_message", None) or exc.reason or str(exc)
