"""The broker check over TLS, against Mosquitto run with the shipped configuration
(deploy/mosquitto/quorum.conf through devtools/secure_broker.py)."""

from pathlib import Path

import pytest

from contract.config_loader import load_terminal_config
from devtools.secure_broker import SecuredBroker
from edge.doctor.broker import check_broker
from edge.doctor.context import DoctorContext
from edge.doctor.result import Status
from hub.devices.pki import new_ca

from .conftest import WriteConfig

pytestmark = pytest.mark.integration


def _check(
    write_config: WriteConfig, broker: SecuredBroker, password: str, **mqtt: object
) -> tuple[Status, str, str | None]:
    # The hub's account: its role may read every terminal's commands, as the probe does.
    lines = {
        "host": broker.host,
        "port": broker.port,
        "username": broker.setup.hub_username,
        "password": "env:BROKER_PASSWORD",
        "tls": "true",
        "ca_file": str(broker.ca_file),
        **mqtt,
    }
    text = "".join(f"  {k}: {v}\n" for k, v in lines.items() if v is not None)
    path = write_config(text)
    ctx = DoctorContext(
        path, load_terminal_config(path), {"BROKER_PASSWORD": password}, timeout_s=5
    )
    result = check_broker(ctx)
    return result.status, result.message, result.fix


def test_tls_with_the_right_ca_and_password(
    secured_broker: SecuredBroker, write_config: WriteConfig
) -> None:
    status, message, _ = _check(write_config, secured_broker, secured_broker.setup.hub_password)
    assert status is Status.OK, message
    assert message == f"connected to localhost:{secured_broker.port} (TLS) with MQTT 5"


def test_tls_with_a_wrong_password(
    secured_broker: SecuredBroker, write_config: WriteConfig
) -> None:
    status, message, fix = _check(write_config, secured_broker, "not-the-password")
    assert status is Status.FAIL and "refused user 'quorum-hub'" in message
    assert fix is not None and "does not match the broker's account 'quorum-hub'" in fix


def test_a_ca_that_did_not_sign_the_broker_is_a_tls_failure(
    secured_broker: SecuredBroker, write_config: WriteConfig, tmp_path: Path
) -> None:
    stranger = tmp_path / "other-ca.crt"
    stranger.write_bytes(new_ca("Somebody else's CA").cert_pem)
    status, message, fix = _check(
        write_config, secured_broker, secured_broker.setup.hub_password, ca_file=str(stranger)
    )
    assert status is Status.FAIL
    assert message.startswith(f"cannot reach the broker at localhost:{secured_broker.port} (TLS)")
    assert fix is not None and "mqtt.ca_file must be the CA that signed" in fix


def test_plain_mqtt_to_the_tls_listener_suggests_tls(
    secured_broker: SecuredBroker, write_config: WriteConfig
) -> None:
    status, message, fix = _check(
        write_config, secured_broker, secured_broker.setup.hub_password, tls=None, ca_file=None
    )
    assert status is Status.FAIL, message
    assert fix is not None and "mqtt.tls: true" in fix
