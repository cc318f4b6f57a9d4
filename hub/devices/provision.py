"""Provisioning a terminal: credentials, its broker account, its registration, its file.

One call does it all, in an order that leaves nothing half-done: every check and the
terminal's configuration (validated) first, then its secret files, then its broker account,
then its row in the caller's transaction. If the broker refuses, the files are removed again;
if the caller's commit fails, it removes the account (:func:`undo_account`).
"""

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.config_loader import ConfigError, load_terminal_config
from contract.ids import is_valid_id
from contract.terminal_config import COUNTING_KINDS, TerminalConfig
from contract.yaml_locations import closest
from hub.db.models import Device, Room
from hub.devices.broker_accounts import BrokerAccountError, BrokerAccounts, DeviceAccount
from hub.devices.dynsec import new_password
from hub.devices.pki import KeyPair, PkiError, client_certificate, load_ca, write_private
from hub.devices.terminal_file import (
    BrokerSettings,
    TerminalFileError,
    terminal_document,
    write_terminal_file,
)

CA_NAME = "ca.crt"


class ProvisionError(Exception):
    """Provisioning cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class DeviceBroker:
    """Where provisioned terminals connect, and the CA files (from the hub's settings)."""

    prefix: str
    host: str
    password_port: int
    cert_port: int
    ca_file: Path | None  # the CA certificate terminals check the broker against
    ca_key_file: Path | None  # signs client certificates (--cert)


@dataclass(frozen=True)
class ProvisionRequest:
    room_id: str
    # Where the files are written; None: provisioned/<device id> in the current folder.
    out_dir: Path | None = None
    device_id: str | None = None
    certificate: bool = False
    # Where the files will be on the terminal (the paths written in its config); None: out_dir.
    install_dir: Path | None = None
    template: Path | None = None


@dataclass(frozen=True)
class Provisioned:
    device_id: str
    room_id: str
    credential: str  # password | certificate
    config_path: Path
    secret_files: list[Path]  # password file, or certificate key
    ca_path: Path | None
    cert_path: Path | None
    cert_serial: str | None
    password: str | None = field(repr=False)  # shown only on request (--show-password)
    replaced_revoked: bool  # a revoked terminal of this id got new credentials


def provision(
    session: Session,
    accounts: BrokerAccounts,
    request: ProvisionRequest,
    broker: DeviceBroker,
    now: datetime,
) -> Provisioned:
    room = _room(session, request.room_id)
    device_id = request.device_id or _free_device_id(session, room.id)
    existing = _check_device(session, device_id, room.id)
    template = _template(request.template)
    out = request.out_dir or Path("provisioned") / device_id
    config_path = out / f"{device_id}.yaml"
    if config_path.exists():
        raise ProvisionError(f"{config_path} already exists: choose another --out-dir")
    install = request.install_dir or out.resolve()
    ca_source = broker.ca_file
    signed = None
    if request.certificate:
        signed = _client_certificate(broker, device_id)
    password = None if request.certificate else new_password()
    settings = BrokerSettings(
        host=broker.host,
        port=broker.cert_port if request.certificate else broker.password_port,
        prefix=broker.prefix,
        username=device_id,
        password_file=None if request.certificate else str(install / f"{device_id}.password"),
        ca_file=str(install / CA_NAME) if ca_source else None,
        cert_file=str(install / f"{device_id}.crt") if signed else None,
        key_file=str(install / f"{device_id}.key") if signed else None,
    )
    out.mkdir(parents=True, exist_ok=True)
    try:
        config = write_terminal_file(
            config_path, terminal_document(session, room, device_id, settings, template)
        )
    except TerminalFileError as exc:
        raise ProvisionError(str(exc)) from None
    written = [config_path]
    secrets: list[Path] = []
    ca_path = cert_path = None
    try:
        if ca_source is not None:
            ca_path = out / CA_NAME
            shutil.copyfile(ca_source, ca_path)
            written.append(ca_path)
        if password is not None:
            secrets.append(out / f"{device_id}.password")
            write_private(secrets[-1], (password + "\n").encode())
        if signed is not None:
            cert_path, key_path = out / f"{device_id}.crt", out / f"{device_id}.key"
            signed.write(cert_path, key_path)
            written.append(cert_path)
            secrets.append(key_path)
        written += secrets
        accounts.add_device(DeviceAccount(device_id, room.id, broker.prefix, password))
    except (OSError, BrokerAccountError) as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise ProvisionError(f"terminal {device_id!r} not provisioned: {exc}") from None
    serial = format(signed.certificate.serial_number, "x") if signed else None
    replaced_revoked = existing is not None and existing.revoked_at is not None
    _register(session, existing, device_id, room.id, config, serial, now)
    return Provisioned(
        device_id=device_id,
        room_id=room.id,
        credential="certificate" if signed else "password",
        config_path=config_path,
        secret_files=secrets,
        ca_path=ca_path,
        cert_path=cert_path,
        cert_serial=serial,
        password=password,
        replaced_revoked=replaced_revoked,
    )


def undo_account(accounts: BrokerAccounts, provisioned: Provisioned) -> None:
    """The hub could not record the terminal: take its broker account away again."""
    accounts.remove_device(provisioned.device_id)


def _room(session: Session, room_id: str) -> Room:
    room = session.get(Room, room_id)
    if room is not None:
        return room
    known = list(session.scalars(select(Room.id).order_by(Room.id)))
    if not known:
        raise ProvisionError(
            f"room {room_id!r} is not in the hub, which has no rooms yet: import the "
            "terminal configuration files first (python -m hub import-configs DIR)"
        )
    hint = closest(room_id, known)
    suggestion = f" (did you mean {hint}?)" if hint else ""
    raise ProvisionError(
        f"room {room_id!r} is not in the hub{suggestion}; rooms come from the imported "
        "configuration files (python -m hub import-configs DIR)"
    )


def _free_device_id(session: Session, room_id: str) -> str:
    base = f"term-{room_id}"[:58]
    for number in range(1, 1000):
        candidate = base if number == 1 else f"{base}-{number}"
        if session.get(Device, candidate) is None:
            return candidate
    raise ProvisionError(f"room {room_id!r} has too many terminals; name one with --id")


def _check_device(session: Session, device_id: str, room_id: str) -> Device | None:
    if not is_valid_id(device_id):
        raise ProvisionError(
            f"device id {device_id!r} is not valid: use 1-63 lowercase letters, digits, - or _"
        )
    device = session.get(Device, device_id)
    if device is None:
        return None
    if device.room_id != room_id:
        raise ProvisionError(
            f"terminal {device_id!r} belongs to room {device.room_id!r}, not {room_id!r}"
        )
    if device.provisioned_at is not None and device.revoked_at is None:
        raise ProvisionError(
            f"terminal {device_id!r} already has credentials (issued "
            f"{device.provisioned_at.isoformat()}): revoke them first "
            f"(python -m hub devices revoke {device_id}), or choose another --id"
        )
    return device


def _template(path: Path | None) -> TerminalConfig | None:
    if path is None:
        return None
    try:
        return load_terminal_config(path)
    except ConfigError as exc:
        raise ProvisionError(
            "the --template file is not a valid terminal configuration:\n" + str(exc)
        ) from None


def _client_certificate(broker: DeviceBroker, device_id: str) -> KeyPair:
    if broker.ca_file is None or broker.ca_key_file is None:
        raise ProvisionError(
            "--cert needs the CA that signs terminals' certificates: set QUORUM_MQTT_CA_FILE "
            "and QUORUM_DEVICES_CA_KEY_FILE (python -m hub broker init writes both)"
        )
    try:
        return client_certificate(load_ca(broker.ca_file, broker.ca_key_file), device_id)
    except PkiError as exc:
        raise ProvisionError(str(exc)) from None


def _register(
    session: Session,
    existing: Device | None,
    device_id: str,
    room_id: str,
    config: TerminalConfig,
    serial: str | None,
    now: datetime,
) -> None:
    device = existing or Device(id=device_id, room_id=room_id, online=False)
    if existing is None:
        device.counts_people = any(s.kind in COUNTING_KINDS for s in config.sensors)
        session.add(device)
    device.provisioned_at = now
    device.credential = "certificate" if serial else "password"
    device.cert_serial = serial
    device.revoked_at = None
    session.flush()
