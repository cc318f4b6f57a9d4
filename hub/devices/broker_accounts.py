"""Terminals' broker accounts, added and removed while the broker runs.

:class:`BrokerAccounts` is what provisioning needs; :class:`DynsecAccounts` does it with
Mosquitto's dynamic security plugin: JSON commands published to
``$CONTROL/dynamic-security/v1`` by an admin account, answers read from ``.../response``.
Removing a client makes Mosquitto (2.0.11, measured) disconnect its live session at once
(DISCONNECT reason 0x98, administrative action) and refuse its password from then on (CONNACK
0x87); a client-certificate session is disconnected too, and its reconnects may no longer
publish or subscribe (every PUBLISH and SUBSCRIBE answered 0x87: the plugin finds no client).
"""

import json
import secrets
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from common.mqtt import BrokerAddress
from hub.devices.dynsec import (
    CONTROL_TOPIC,
    RESPONSE_TOPIC,
    client,
    device_acls,
    device_role_name,
    role,
)

TIMEOUT_S = 10.0


class BrokerAccountError(Exception):
    """The broker could not be reached or refused a change; the message says which."""


@dataclass(frozen=True)
class DeviceAccount:
    device_id: str
    room_id: str
    prefix: str
    # None: the terminal comes in by client certificate only (no password listener).
    password: str | None = field(repr=False)


class BrokerAccounts(Protocol):
    def add_device(self, account: DeviceAccount) -> None:
        """Create the terminal's account and role (replacing any left from before)."""

    def remove_device(self, device_id: str) -> bool:
        """Delete the account (its live session ends); False if there was none."""


class DynsecAccounts:
    """:class:`BrokerAccounts` over one admin connection, made at the first command (so bad
    input is reported before the broker is needed); use as a context manager."""

    def __init__(
        self, address: BrokerAddress, client_id: str, timeout_s: float = TIMEOUT_S
    ) -> None:
        self._address = address
        self._timeout = timeout_s
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
        )
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._refused: str | None = None
        self._answers: dict[str, dict[str, Any]] = {}
        self._answered = threading.Condition()
        self._started = False  # the network loop runs
        self._ready = False  # connected and subscribed to the answers
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    # -- connection ------------------------------------------------------------------

    def __enter__(self) -> "DynsecAccounts":
        return self

    def _connect(self) -> None:
        address = self._address
        if not address.username or not address.password:
            raise BrokerAccountError(
                "no broker admin account: set QUORUM_BROKER_ADMIN_USERNAME and "
                "QUORUM_BROKER_ADMIN_PASSWORD (python -m hub broker init writes them)"
            )
        self._client.username_pw_set(address.username, address.password)
        if address.tls:
            try:
                self._client.tls_set(
                    ca_certs=address.ca_file,
                    certfile=address.cert_file,
                    keyfile=address.key_file,
                    cert_reqs=ssl.CERT_REQUIRED,
                )
            except (OSError, ssl.SSLError) as exc:
                raise BrokerAccountError(f"cannot set up TLS to the broker: {exc}") from None
        where = f"{address.host}:{address.port}"
        try:
            self._client.connect(self._address.host, self._address.port, keepalive=30)
        except (OSError, ssl.SSLError) as exc:
            raise BrokerAccountError(f"cannot reach the broker at {where}: {exc}") from None
        self._client.loop_start()
        self._started = True
        if not self._connected.wait(self._timeout) or self._refused:
            self.close()
            why = self._refused or "no answer"
            raise BrokerAccountError(
                f"the broker at {where} did not let the admin account "
                f"{self._address.username!r} in: {why}"
            )
        self._client.subscribe(RESPONSE_TOPIC, qos=1)
        if not self._subscribed.wait(self._timeout) or self._refused:
            self.close()
            raise BrokerAccountError(
                f"the broker refused the admin account {self._address.username!r} its "
                f"answers ({RESPONSE_TOPIC}): {self._refused or 'no answer'}; is the dynamic "
                "security plugin loaded (deploy/mosquitto/quorum.conf)?"
            )
        self._ready = True

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._started:
            self._client.disconnect()
            self._client.loop_stop()
            self._started = False

    def _on_connect(
        self, c: paho.Client, u: Any, f: Any, reason: ReasonCode, p: Properties | None
    ) -> None:
        if reason.is_failure:
            self._refused = str(reason)
        self._connected.set()

    def _on_subscribe(
        self, c: paho.Client, u: Any, mid: int, reasons: list[ReasonCode], p: Properties | None
    ) -> None:
        if any(r.is_failure for r in reasons):
            self._refused = ", ".join(str(r) for r in reasons)
        self._subscribed.set()

    def _on_message(self, c: paho.Client, u: Any, message: paho.MQTTMessage) -> None:
        try:
            answers = json.loads(message.payload)["responses"]
        except (ValueError, KeyError, TypeError):
            return
        with self._answered:
            for answer in answers:
                if isinstance(answer, dict) and "correlationData" in answer:
                    self._answers[answer["correlationData"]] = answer
            self._answered.notify_all()

    # -- commands --------------------------------------------------------------------

    def run(self, *commands: dict[str, Any]) -> list[dict[str, Any]]:
        """Send commands in one message; their answers, in order (``error`` set on failure)."""
        if not self._ready:
            self._connect()
        tagged = [{**c, "correlationData": secrets.token_hex(8)} for c in commands]
        info = self._client.publish(CONTROL_TOPIC, json.dumps({"commands": tagged}), qos=1)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise BrokerAccountError(f"lost the broker connection ({paho.error_string(info.rc)})")
        wanted = [c["correlationData"] for c in tagged]
        with self._answered:
            got = self._answered.wait_for(
                lambda: all(w in self._answers for w in wanted), self._timeout
            )
            if not got:
                raise BrokerAccountError(
                    f"the broker did not answer {[c['command'] for c in commands]} within "
                    f"{self._timeout:.0f} s; is the dynamic security plugin loaded?"
                )
            return [self._answers.pop(w) for w in wanted]

    def add_device(self, account: DeviceAccount) -> None:
        role_name = device_role_name(account.device_id)
        self.remove_device(account.device_id)  # a leftover of an earlier, failed attempt
        entry = client(account.device_id, role_name, None)
        if account.password is not None:
            entry["password"] = account.password  # the plugin hashes it itself
        answers = self.run(
            {
                "command": "createRole",
                **role(role_name, device_acls(account.prefix, account.room_id, account.device_id)),
            },
            {"command": "createClient", **entry},
        )
        _raise_errors(answers)

    def remove_device(self, device_id: str) -> bool:
        answers = self.run(
            {"command": "deleteClient", "username": device_id},
            {"command": "deleteRole", "rolename": device_role_name(device_id)},
        )
        _raise_errors([a for a in answers if a.get("error") not in NOT_FOUND])
        return answers[0].get("error") not in NOT_FOUND


# What Mosquitto 2.0 answers for a client or role it does not have.
NOT_FOUND = ("Client not found", "Role not found")


def _raise_errors(answers: list[dict[str, Any]]) -> None:
    failed = [f"{a.get('command')}: {a['error']}" for a in answers if a.get("error")]
    if failed:
        raise BrokerAccountError("the broker refused " + "; ".join(failed))
