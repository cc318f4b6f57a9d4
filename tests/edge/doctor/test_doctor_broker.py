"""The broker check against a real Mosquitto: good and bad credentials, ACL, nobody home."""

import threading
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from contract.config_loader import load_terminal_config
from devtools.broker import RunningBroker, free_port
from edge.doctor.broker import check_broker
from edge.doctor.context import DoctorContext
from edge.doctor.credentials import check_credentials
from edge.doctor.result import Status

from .conftest import PASSWORD, USER, WriteConfig

pytestmark = pytest.mark.integration


def _context(path: Path, env: dict[str, str] | None = None, offline: bool = False) -> DoctorContext:
    return DoctorContext(path, load_terminal_config(path), env or {}, offline=offline, timeout_s=5)


def _mqtt(port: int, username: str = USER, password: str = "file:{secret}") -> str:
    return f"  host: 127.0.0.1\n  port: {port}\n  username: {username}\n  password: {password}\n"


def _secret(tmp_path: Path, value: str) -> Path:
    path = tmp_path / "mqtt-password"
    path.write_text(value + "\n")
    path.chmod(0o640)
    return path


def test_the_right_password_connects_and_may_read_its_commands(
    secure_broker: RunningBroker, write_config: WriteConfig, tmp_path: Path
) -> None:
    secret = _secret(tmp_path, PASSWORD)
    config = write_config(_mqtt(secure_broker.port, password=f"file:{secret}"))
    result = check_broker(_context(config))
    assert result.status is Status.OK, result
    assert f"127.0.0.1:{secure_broker.port}" in result.message
    assert result.details["protocol"] == "5"
    assert check_credentials(_context(config)).status is Status.OK


def test_a_wrong_password_is_refused_with_a_fix_naming_the_file_and_provisioning(
    secure_broker: RunningBroker, write_config: WriteConfig, tmp_path: Path
) -> None:
    secret = _secret(tmp_path, "stale-password")
    config = write_config(_mqtt(secure_broker.port, password=f"file:{secret}"))
    result = check_broker(_context(config))
    assert result.status is Status.FAIL
    assert result.details["reason_code"] in (134, 135)  # bad user name or password / not authorized
    assert f"user {USER!r}" in result.message
    assert result.fix is not None
    assert f"the password in file:{secret} does not match the broker's account" in result.fix
    assert f"python -m hub devices revoke {USER}" in result.fix
    assert f"python -m hub devices provision --room hq-f1-aurora --id {USER}" in result.fix


def test_no_account_at_a_broker_that_wants_one(
    secure_broker: RunningBroker, write_config: WriteConfig
) -> None:
    config = write_config(f"  host: 127.0.0.1\n  port: {secure_broker.port}\n")
    result = check_broker(_context(config))
    assert result.status is Status.FAIL
    assert result.fix is not None and "the broker wants an account" in result.fix
    assert check_credentials(_context(config)).status is Status.WARN


def test_an_account_the_acl_does_not_let_read_this_terminals_commands(
    secure_broker: RunningBroker, write_config: WriteConfig
) -> None:
    config = write_config(
        _mqtt(secure_broker.port, username="outsider", password="env:OUTSIDER_PASSWORD")
    )
    result = check_broker(_context(config, {"OUTSIDER_PASSWORD": "outsider-password"}))
    assert result.status is Status.FAIL
    assert "does not let this account read quorum/v1/rooms/hq-f1-aurora/devices/" in result.message
    assert result.fix is not None and "ACL" in result.fix


def test_nothing_listening_says_so_and_names_the_settings(write_config: WriteConfig) -> None:
    port = free_port()
    config = write_config(_mqtt(port, password="env:P"))
    result = check_broker(_context(config, {"P": "x"}))
    assert result.status is Status.FAIL
    assert result.message.startswith(f"cannot reach the broker at 127.0.0.1:{port}")
    assert (
        result.fix is not None and "nothing listens on" in result.fix and "mqtt.port" in result.fix
    )


def test_offline_skips_the_broker_and_unusable_credentials_skip_it_too(
    write_config: WriteConfig,
) -> None:
    config = write_config(_mqtt(free_port(), password="env:NOT_SET_ANYWHERE"))
    assert check_broker(_context(config, offline=True)).status is Status.SKIP
    assert check_broker(_context(config)).status is Status.SKIP
    credentials = check_credentials(_context(config))
    assert credentials.status is Status.FAIL
    assert credentials.fix is not None and "/etc/quorum/edge.env" in credentials.fix


def test_a_password_file_everyone_can_read_is_a_warning(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    secret = _secret(tmp_path, PASSWORD)
    secret.chmod(0o644)
    config = write_config(_mqtt(free_port(), password=f"file:{secret}"))
    result = check_credentials(_context(config))
    assert result.status is Status.WARN
    assert result.fix == f"sudo chown root:quorum {secret} && sudo chmod 0640 {secret}"
    assert PASSWORD not in repr(result)  # the secret itself is never shown


def test_a_running_terminal_keeps_its_connection_while_the_doctor_probes(
    secure_broker: RunningBroker, write_config: WriteConfig, tmp_path: Path
) -> None:
    secret = _secret(tmp_path, PASSWORD)
    config = write_config(_mqtt(secure_broker.port, password=f"file:{secret}"))
    connected, dropped, answered = threading.Event(), threading.Event(), threading.Event()
    terminal = paho.Client(CallbackAPIVersion.VERSION2, client_id=USER, protocol=paho.MQTTv5)
    terminal.username_pw_set(USER, PASSWORD)
    terminal.on_connect = lambda *args: connected.set()
    terminal.on_disconnect = lambda *args: (dropped.set(), answered.set())
    terminal.on_subscribe = lambda *args: answered.set()
    terminal.connect(secure_broker.host, secure_broker.port)
    terminal.loop_start()
    try:
        assert connected.wait(10)
        assert check_broker(_context(config)).status is Status.OK
        # A probe with the terminal's own client id would have taken its session over: the
        # broker's DISCONNECT would then come before the answer to this SUBSCRIBE.
        terminal.subscribe(f"quorum/v1/rooms/hq-f1-aurora/devices/{USER}/cmd/+", qos=1)
        assert answered.wait(10)
        assert not dropped.is_set()
    finally:
        terminal.disconnect()
        terminal.loop_stop()
