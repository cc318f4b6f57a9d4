"""Provisioning and revocation against the hub's database, with the broker replaced by a
recording fake (the real broker: test_broker_security.py, test_devices_cli.py)."""

import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.config_loader import load_terminal_config
from devtools.certs import make_ca
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Device, DeviceStatusChange
from hub.devices.broker_accounts import BrokerAccountError, DeviceAccount
from hub.devices.provision import DeviceBroker, ProvisionError, ProvisionRequest, provision
from hub.devices.revoke import CrlFiles, RevokeError, mark_revoked, withdraw_credentials
from hub.devices.terminal_file import DEFAULT_SENSORS

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


class FakeAccounts:
    def __init__(self, fail: bool = False) -> None:
        self.accounts: dict[str, DeviceAccount] = {}
        self.fail = fail

    def add_device(self, account: DeviceAccount) -> None:
        if self.fail:
            raise BrokerAccountError("the broker refused createClient: test")
        self.accounts[account.device_id] = account

    def remove_device(self, device_id: str) -> bool:
        return self.accounts.pop(device_id, None) is not None


@pytest.fixture
def session(org_db_url: str) -> Iterator[Session]:
    engine = make_engine(org_db_url)
    with make_session_factory(engine)() as made:
        yield made
    engine.dispose()


@pytest.fixture
def broker(tmp_path: Path) -> DeviceBroker:
    _, files = make_ca(tmp_path / "ca", "ca")
    return DeviceBroker("quorum", "broker.example", 8883, 8884, files.cert, files.key)


def test_a_provisioned_terminal_gets_a_valid_config_a_secret_file_and_an_account(
    session: Session, broker: DeviceBroker, tmp_path: Path
) -> None:
    accounts = FakeAccounts()
    out = tmp_path / "out"
    done = provision(session, accounts, ProvisionRequest("hq-f1-aurora", out_dir=out), broker, NOW)
    session.commit()
    assert done.device_id == "term-hq-f1-aurora-2"  # term-hq-f1-aurora was imported
    config = load_terminal_config(done.config_path)
    assert (config.terminal.id, config.room.id, config.floor.id) == (
        done.device_id,
        "hq-f1-aurora",
        "hq-main-f1",
    )
    assert config.room.capacity == 8 and config.site.name == "Headquarters"
    assert config.room.working_hours.start == time(8, 0)
    assert '"08:00"' in done.config_path.read_text()  # quoted: YAML 1.1 reads 08:00 as 480
    password_file = out / f"{done.device_id}.password"
    assert done.secret_files == [password_file]
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    secret = password_file.read_text().strip()
    assert accounts.accounts[done.device_id] == DeviceAccount(
        done.device_id, "hq-f1-aurora", "quorum", secret
    )
    assert len(secret) >= 40
    mqtt = config.mqtt
    assert (mqtt.host, mqtt.port, mqtt.tls, mqtt.username) == (
        "broker.example",
        8883,
        True,
        done.device_id,
    )
    assert mqtt.password == f"file:{password_file.resolve()}"
    assert mqtt.ca_file == str((out / "ca.crt").resolve())
    assert (out / "ca.crt").read_bytes() == broker.ca_file.read_bytes()  # type: ignore[union-attr]
    assert secret not in done.config_path.read_text()
    device = session.get(Device, done.device_id)
    assert device is not None and device.room_id == "hq-f1-aurora"
    assert (device.provisioned_at, device.credential, device.revoked_at) == (NOW, "password", None)


def test_a_certificate_terminal_gets_a_key_and_no_password(
    session: Session, broker: DeviceBroker, tmp_path: Path
) -> None:
    accounts = FakeAccounts()
    request = ProvisionRequest(
        "hq-f2-east",
        out_dir=tmp_path / "out",
        device_id="term-east-2",
        certificate=True,
        install_dir=Path("/etc/quorum"),
    )
    done = provision(session, accounts, request, broker, NOW)
    config = load_terminal_config(done.config_path)
    assert accounts.accounts["term-east-2"].password is None
    assert (config.mqtt.port, config.mqtt.password) == (8884, None)
    assert (config.mqtt.cert_file, config.mqtt.key_file, config.mqtt.ca_file) == (
        "/etc/quorum/term-east-2.crt",
        "/etc/quorum/term-east-2.key",
        "/etc/quorum/ca.crt",
    )
    key = tmp_path / "out" / "term-east-2.key"
    assert done.secret_files == [key] and stat.S_IMODE(key.stat().st_mode) == 0o600
    shipped = load_terminal_config(ROOT / "firmware_configs" / "hq-f2-east-desks.yaml")
    assert [d.id for d in config.desks] == [d.id for d in shipped.desks]
    assert config.room.kind == shipped.room.kind
    device = session.get(Device, "term-east-2")
    assert device is not None and device.cert_serial == done.cert_serial


def test_a_template_gives_the_sensors(
    session: Session, broker: DeviceBroker, tmp_path: Path
) -> None:
    template = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"
    request = ProvisionRequest(
        "hq-f1-aurora", out_dir=tmp_path, device_id="term-new", template=template
    )
    done = provision(session, FakeAccounts(), request, broker, NOW)
    config = load_terminal_config(done.config_path)
    assert [s.id for s in config.sensors] == ["pir-ceiling", "radar", "door"]
    assert config.occupancy.room_hold == 300.0
    plain = provision(
        session,
        FakeAccounts(),
        ProvisionRequest("hq-f1-aurora", out_dir=tmp_path, device_id="term-plain"),
        broker,
        NOW,
    )
    assert [s.id for s in load_terminal_config(plain.config_path).sensors] == [
        s["id"] for s in DEFAULT_SENSORS
    ]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ProvisionRequest("hq-f1-auorra"), "did you mean hq-f1-aurora"),
        (ProvisionRequest("hq-f1-aurora", device_id="Term A"), "not valid"),
        (ProvisionRequest("hq-f1-aurora", device_id="term-hq-f1-borealis"), "belongs to room"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_made(
    session: Session,
    broker: DeviceBroker,
    tmp_path: Path,
    request_: ProvisionRequest,
    message: str,
) -> None:
    accounts = FakeAccounts()
    out = tmp_path / "out"
    with pytest.raises(ProvisionError, match=message):
        provision(session, accounts, _into(request_, out), broker, NOW)
    assert accounts.accounts == {} and not out.exists()


def _into(request: ProvisionRequest, out: Path) -> ProvisionRequest:
    return replace(request, out_dir=out)


def test_cert_without_a_ca_key_is_refused(session: Session, tmp_path: Path) -> None:
    broker = DeviceBroker("quorum", "b", 8883, 8884, None, None)
    request = ProvisionRequest("hq-f1-aurora", out_dir=tmp_path / "out", certificate=True)
    with pytest.raises(ProvisionError, match="QUORUM_DEVICES_CA_KEY_FILE"):
        provision(session, FakeAccounts(), request, broker, NOW)


def test_a_broker_failure_leaves_no_files_and_no_registration(
    session: Session, broker: DeviceBroker, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    request = ProvisionRequest("hq-f1-aurora", out_dir=out, device_id="term-x")
    with pytest.raises(ProvisionError, match="refused createClient"):
        provision(session, FakeAccounts(fail=True), request, broker, NOW)
    assert list(out.iterdir()) == []
    assert session.get(Device, "term-x") is None


def test_credentials_are_issued_once_until_revoked(
    session: Session, broker: DeviceBroker, tmp_path: Path
) -> None:
    accounts = FakeAccounts()
    request = ProvisionRequest("hq-f1-aurora", out_dir=tmp_path / "1", device_id="term-x")
    provision(session, accounts, request, broker, NOW)
    session.commit()
    with pytest.raises(ProvisionError, match="already has credentials"):
        provision(session, accounts, _into(request, tmp_path / "2"), broker, NOW)
    marked = mark_revoked(session, "term-x", NOW)
    session.commit()
    withdrawn = withdraw_credentials(accounts, marked, CrlFiles(None, None, None))
    assert (withdrawn.account_removed, withdrawn.crl_updated) == (True, None)
    assert "term-x" not in accounts.accounts
    again = provision(session, accounts, _into(request, tmp_path / "3"), broker, NOW)
    assert again.replaced_revoked and "term-x" in accounts.accounts
    device = session.get(Device, "term-x")
    assert device is not None and device.revoked_at is None


def test_an_imported_terminal_can_be_given_credentials(
    session: Session, broker: DeviceBroker, tmp_path: Path
) -> None:
    request = ProvisionRequest("hq-f1-aurora", out_dir=tmp_path, device_id="term-hq-f1-aurora")
    done = provision(session, FakeAccounts(), request, broker, NOW)
    assert done.device_id == "term-hq-f1-aurora" and not done.replaced_revoked


def test_revoking_marks_the_terminal_offline_once(session: Session) -> None:
    device = session.get(Device, "term-hq-f1-aurora")
    assert device is not None
    device.online = True
    session.commit()
    first = mark_revoked(session, "term-hq-f1-aurora", NOW)
    session.commit()
    later = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    second = mark_revoked(session, "term-hq-f1-aurora", later)
    session.commit()
    assert (first.already, second.already) == (False, True)
    assert second.revoked_at == NOW
    device = session.get(Device, "term-hq-f1-aurora")
    assert device is not None and not device.online and device.revoked_at == NOW
    changes = session.scalars(
        select(DeviceStatusChange).where(DeviceStatusChange.device_id == "term-hq-f1-aurora")
    ).all()
    assert [(c.online, c.reason, c.at) for c in changes] == [(False, "revoked", NOW)]
    with pytest.raises(RevokeError, match="did you mean term-hq-f1-aurora"):
        mark_revoked(session, "term-hq-f1-auorra", NOW)
