"""Terminal configs for the doctor's tests, and a Mosquitto that wants a password."""

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.broker import RunningBroker, mosquitto_broker

ROOT = Path(__file__).resolve().parents[3]
AURORA = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"
USER, PASSWORD = "term-hq-f1-aurora", "right-password"

#: write_config(mqtt_lines, name) -> a copy of Aurora whose mqtt section is ``mqtt_lines``.
WriteConfig = Callable[..., Path]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    def write(mqtt: str | None = None, name: str = "aurora.yaml", extra: str = "") -> Path:
        text = AURORA.read_text()
        if mqtt is not None:
            head, _, rest = text.partition("mqtt:\n")
            tail = rest[rest.index("\n", rest.index("password:")) + 1 :]
            text = head + "mqtt:\n" + mqtt + tail
        path = tmp_path / name
        path.write_text(text + extra)
        return path

    return write


def _dynsec_client(username: str, password: str, role: str) -> dict[str, Any]:
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 101, 64)
    return {
        "username": username,
        "password": base64.b64encode(digest).decode(),
        "salt": base64.b64encode(salt).decode(),
        "iterations": 101,
        "roles": [{"rolename": role}],
    }


def _dynsec_role(name: str, device: str) -> dict[str, Any]:
    commands = f"quorum/v1/rooms/+/devices/{device}/cmd/+"
    return {
        "rolename": name,
        "acls": [{"acltype": "subscribePattern", "topic": commands, "allow": True}],
    }


@pytest.fixture
def secure_broker(mosquitto_binary: str, tmp_path: Path) -> Iterator[RunningBroker]:
    """Mosquitto as the deployment runs it: the dynamic-security plugin, no anonymous
    clients, USER / PASSWORD allowed to subscribe to its own commands only, and an account
    "outsider" allowed only its own (what a terminal's role looks like, docs/security.md)."""
    plugin = next(Path("/usr/lib").glob("*/mosquitto_dynamic_security.so"), None)
    if plugin is None:
        pytest.skip(
            "Mosquitto's dynamic-security plugin is not installed (apt-get install mosquitto)"
        )
    workdir = tmp_path / "secure-broker"
    workdir.mkdir()
    dynsec = workdir / "dynamic-security.json"
    dynsec.write_text(
        json.dumps(
            {
                "clients": [
                    _dynsec_client(USER, PASSWORD, "terminal"),
                    _dynsec_client("outsider", "outsider-password", "outsider"),
                ],
                "roles": [_dynsec_role("terminal", USER), _dynsec_role("outsider", "outsider")],
                "groups": [],
                "defaultACLAccess": {
                    "publishClientSend": False,
                    "publishClientReceive": True,
                    "subscribe": False,
                    "unsubscribe": True,
                },
            }
        )
    )
    extra = f"allow_anonymous false\nplugin {plugin}\nplugin_opt_config_file {dynsec}\n"
    running = mosquitto_broker(workdir, extra_config=extra).start()
    try:
        yield running
    finally:
        running.kill()
