"""``python -m hub broker init`` and ``python -m hub devices ...`` as an operator runs them:
output and exit codes (GUIDE section 10), and their effect on a real broker."""

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from devices_probe import ADMINISTRATIVE_ACTION, NOT_AUTHORIZED, Probe
from sqlalchemy import select
from typer.testing import CliRunner

from contract import topics
from contract.config_loader import load_terminal_config
from devtools.secure_broker import SecuredBroker
from edge.credentials import resolve_secret
from hub.cli import app as cli
from hub.db.audit_models import AuditEntry
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Device
from hub.settings import get_settings


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, org_db_url: str
) -> Iterator[dict[str, str]]:
    """A clean QUORUM_* environment on a copy of the example organisation's database."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    kept = {k: v for k, v in os.environ.items() if k == "QUORUM_MASTER_KEY"}
    for name in list(os.environ):
        if name.startswith("QUORUM_"):
            monkeypatch.delenv(name)
    settings = {**kept, "QUORUM_DATABASE_URL": org_db_url}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def against(
    env: dict[str, str], secured_broker: SecuredBroker, monkeypatch: pytest.MonkeyPatch
) -> SecuredBroker:
    """The hub's settings from 'broker init', pointed at the test's broker ports."""
    settings = secured_broker.setup.hub_settings()
    settings["QUORUM_MQTT_PORT"] = settings["QUORUM_DEVICES_MQTT_PORT"] = str(secured_broker.port)
    settings["QUORUM_DEVICES_MQTT_CERT_PORT"] = str(secured_broker.cert_port)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return secured_broker


def test_broker_init_writes_the_files_once(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "broker"
    code, out, err = run(
        "broker", "init", "--dir", str(target), "--hostname", "mq.example", "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["hostnames"] == ["mq.example"]
    assert document["ports"] == {"password": 8883, "certificate": 8884}
    files = {name: Path(path) for name, path in document["files"].items()}
    secret = ("ca.key", "server.key", "dynamic-security.json", "hub.env", "homeassistant.password")
    for name in secret:
        assert stat.S_IMODE(files[name].stat().st_mode) == 0o600, name
    plugin_file = json.loads(files["dynamic-security.json"].read_text())
    env_file = files["hub.env"].read_text()
    hub_password = next(
        line.split("=", 1)[1] for line in env_file.splitlines() if "MQTT_PASSWORD=" in line
    )
    assert hub_password not in files["dynamic-security.json"].read_text()  # hashes only
    assert hub_password not in out
    names = {c["username"] for c in plugin_file["clients"]}
    assert names == {"quorum-admin", "quorum-hub", "homeassistant"}
    assert document["homeassistant_username"] == "homeassistant"
    ha_password = files["homeassistant.password"].read_text().strip()
    assert len(ha_password) >= 32 and ha_password != hub_password
    assert ha_password not in files["dynamic-security.json"].read_text() + out + env_file
    before = {name: path.read_bytes() for name, path in files.items()}
    code, _, err = run("broker", "init", "--dir", str(target))
    assert code == 1 and "already holds" in err
    assert {name: path.read_bytes() for name, path in files.items()} == before


def test_bad_input_is_refused_without_a_broker(env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = run("devices", "provision", "--room", "hq-f1-auorra", "--json")
    assert (code, out) == (1, "")
    assert "did you mean hq-f1-aurora" in err
    assert run("devices", "provision")[0] == 2  # --room is required
    code, _, err = run("devices", "revoke", "term-nobody")
    assert code == 1 and "no terminal 'term-nobody'" in err
    # A room that exists, but the broker is not configured: nothing is left behind.
    code, _, err = run("devices", "provision", "--room", "hq-f1-aurora", "--out-dir", "out")
    assert code == 1 and "QUORUM_BROKER_ADMIN_PASSWORD" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_provision_then_revoke_a_password_terminal(against: SecuredBroker, tmp_path: Path) -> None:
    code, out, err = run(
        "devices", "provision", "--room", "hq-f1-aurora", "--out-dir", "out", "--json"
    )
    assert code == 0, err
    made = json.loads(out)
    assert "password" not in made and made["credential"] == "password"
    config = load_terminal_config(made["config_file"])
    password = resolve_secret(config.mqtt.password, {})
    assert password is not None and password not in out + err
    terminal = Probe(
        made["device_id"],
        config.mqtt.port,
        username=config.mqtt.username,
        password=password,
        ca_file=Path(config.mqtt.ca_file or ""),
        host=config.mqtt.host,
    )
    try:
        assert terminal.connect().accepted
        own = topics.status_topic("quorum", "hq-f1-aurora", made["device_id"])
        assert not terminal.publish(own).is_failure
        other = topics.status_topic("quorum", "hq-f1-borealis", made["device_id"])
        assert terminal.publish(other).value == NOT_AUTHORIZED
        code, out, _ = run("devices", "list", "--room", "hq-f1-aurora", "--json")
        listed = {row["device_id"]: row for row in json.loads(out)}
        assert listed[made["device_id"]]["credential"] == "password"
        assert listed[made["device_id"]]["revoked_at"] is None
        code, out, err = run("devices", "revoke", made["device_id"], "--json")
        assert code == 0, err
        revoked = json.loads(out)
        assert revoked["broker_account_removed"] is True and revoked["crl_updated"] is None
        assert terminal.wait_closed().value == ADMINISTRATIVE_ACTION
    finally:
        terminal.close()
    again = Probe(
        "again",
        config.mqtt.port,
        username=config.mqtt.username,
        password=password,
        ca_file=Path(config.mqtt.ca_file or ""),
    )
    try:
        outcome = again.connect()
        assert outcome.connack is not None and outcome.connack.value == NOT_AUTHORIZED
    finally:
        again.close()
    code, out, _ = run("devices", "revoke", made["device_id"], "--json")
    assert code == 0 and json.loads(out)["already_revoked"] is True
    assert json.loads(out)["broker_account_removed"] is False
    engine = make_engine(os.environ["QUORUM_DATABASE_URL"])
    with make_session_factory(engine)() as session:
        device = session.scalars(select(Device).where(Device.id == made["device_id"])).one()
        assert device.revoked_at is not None and not device.online
        audit = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target == f"device:{made['device_id']}")
            .order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in audit] == ["device.provision", "device.revoke"]
        assert audit[0].actor.startswith("cli") and audit[0].details["room_id"] == "hq-f1-aurora"
    engine.dispose()


def test_provision_then_revoke_a_certificate_terminal(
    against: SecuredBroker, tmp_path: Path
) -> None:
    code, out, err = run(
        "devices",
        "provision",
        "--room",
        "hq-f2-east",
        "--id",
        "term-east-2",
        "--cert",
        "--out-dir",
        "out",
        "--json",
    )
    assert code == 0, err
    made = json.loads(out)
    config = load_terminal_config(made["config_file"])
    assert config.mqtt.port == against.cert_port and config.mqtt.password is None
    terminal = Probe(
        "term-east-2",
        config.mqtt.port,
        ca_file=Path(config.mqtt.ca_file or ""),
        cert=Path(config.mqtt.cert_file or ""),
        key=Path(config.mqtt.key_file or ""),
    )
    try:
        assert terminal.connect().accepted
        assert not terminal.publish(
            topics.status_topic("quorum", "hq-f2-east", "term-east-2")
        ).is_failure
        code, out, err = run("devices", "revoke", "term-east-2", "--json")
        assert code == 0, err
        revoked = json.loads(out)
        assert (revoked["crl_updated"], revoked["reload_broker"]) == (True, True)
        assert terminal.wait_closed().value == ADMINISTRATIVE_ACTION
    finally:
        terminal.close()
