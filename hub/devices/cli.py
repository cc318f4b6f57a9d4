"""``python -m hub devices ...`` and ``python -m hub broker init``: terminals' credentials.

Output per GUIDE section 10: with ``--json`` stdout holds one JSON document; exit 0 success,
1 bad input or a failed step (the message on stderr says what to do), 2 wrong usage. Secrets
are written to files with mode 0600 and printed only with ``--show-password``.
"""

import dataclasses
import json
import os
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from common.clock import SystemClock
from common.mqtt import BrokerAddress
from hub.audit import record
from hub.audit.actors import cli_actor
from hub.db.engine import make_engine, make_session_factory, one_session
from hub.db.models import Device
from hub.devices.broker_accounts import BrokerAccountError, DynsecAccounts
from hub.devices.broker_init import (
    CERT_PORT,
    PASSWORD_PORT,
    BrokerInitError,
    init_broker,
)
from hub.devices.broker_init import FILES as INIT_FILES
from hub.devices.pki import PkiError
from hub.devices.provision import (
    DeviceBroker,
    ProvisionError,
    ProvisionRequest,
    provision,
    undo_account,
)
from hub.devices.revoke import CrlFiles, RevokeError, mark_revoked, withdraw_credentials
from hub.homeassistant.topics import DEFAULT_DISCOVERY_PREFIX
from hub.settings import Settings

devices_app = typer.Typer(
    help="Terminals' broker credentials: provision, revoke, list (docs/security.md).",
    no_args_is_help=True,
)
broker_app = typer.Typer(help="Set up the MQTT broker (docs/security.md).", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


def admin_address(settings: Settings) -> BrokerAddress:
    """The hub's broker connection, signed in as the dynamic-security admin."""
    return dataclasses.replace(
        settings.broker_address(),
        username=settings.broker_admin_username,
        password=settings.broker_admin_password,
    )


def _accounts(settings: Settings) -> DynsecAccounts:
    client_id = f"quorum-admin-{socket.gethostname()}-{os.getpid()}"
    return DynsecAccounts(admin_address(settings), client_id)


@devices_app.command("provision")
def provision_command(
    room: Annotated[str, typer.Option("--room", help="The room it goes in (must be in the hub).")],
    device_id: Annotated[
        str | None, typer.Option("--id", help="Its id (default: term-<room>, numbered).")
    ] = None,
    cert: Annotated[
        bool,
        typer.Option("--cert", help="A client certificate instead of a password (port 8884)."),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="Where to write its files (default provisioned/<id>)."),
    ] = None,
    install_dir: Annotated[
        Path | None,
        typer.Option(
            "--install-dir",
            help="Where the files will be on the terminal, as written in its config "
            "(default: --out-dir), e.g. /etc/quorum.",
        ),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option("--template", help="Take sensors and settings from this terminal config."),
    ] = None,
    show_password: Annotated[
        bool, typer.Option("--show-password", help="Also print the password.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Issue a terminal's credentials, create its broker account, register it in the hub and
    write its configuration file."""
    from hub.cli import fail, prepared_settings

    settings = prepared_settings()
    broker = DeviceBroker(
        prefix=settings.mqtt_prefix,
        host=settings.devices_mqtt_host or settings.mqtt_host,
        password_port=settings.devices_mqtt_port,
        cert_port=settings.devices_mqtt_cert_port,
        ca_file=settings.mqtt_ca_file,
        ca_key_file=settings.devices_ca_key_file,
    )
    request = ProvisionRequest(
        room_id=room,
        out_dir=out_dir,
        device_id=device_id,
        certificate=cert,
        install_dir=install_dir.resolve() if install_dir else None,
        template=template,
    )
    now = SystemClock().now()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, _accounts(settings) as accounts:
            try:
                done = provision(session, accounts, request, broker, now)
            except ProvisionError as exc:
                fail(str(exc))
            details = {"room_id": done.room_id, "credential": done.credential}
            if done.cert_serial:
                details["cert_serial"] = done.cert_serial
            record(
                session,
                actor=cli_actor(),
                action="device.provision",
                target=f"device:{done.device_id}",
                details=details,
                now=now,
            )
            try:
                session.commit()
            except Exception:
                undo_account(accounts, done)
                raise
    finally:
        engine.dispose()
    port = broker.cert_port if cert else broker.password_port
    document: dict[str, Any] = {
        "device_id": done.device_id,
        "room_id": done.room_id,
        "credential": done.credential,
        "provisioned_at": now.isoformat(),
        "broker": {"host": broker.host, "port": port},
        "config_file": str(done.config_path),
        "secret_files": [str(p) for p in done.secret_files],
        "ca_file": str(done.ca_path) if done.ca_path else None,
        "cert_file": str(done.cert_path) if done.cert_path else None,
        "cert_serial": done.cert_serial,
    }
    if show_password and done.password is not None:
        document["password"] = done.password
    if json_output:
        print(json.dumps(document))
        return
    how = "client certificate" if cert else "password"
    print(
        f"terminal {done.device_id} provisioned for room {done.room_id} "
        f"({how} over TLS to {broker.host}:{port})"
    )
    print(f"  config:  {done.config_path}")
    for path in done.secret_files:
        print(f"  secret:  {path} (mode 0600)")
    for label, shown in (("CA:", done.ca_path), ("cert:", done.cert_path)):
        if shown is not None:
            print(f"  {label:<8} {shown}")
    if show_password and done.password is not None:
        print(f"  password: {done.password}")
    print(f"Start it with: python -m edge run --config {done.config_path}")


@devices_app.command("revoke")
def revoke_command(
    device_id: Annotated[str, typer.Argument(help="The terminal's id.")],
    json_output: JsonOption = False,
) -> None:
    """Revoke a terminal's credentials: its live broker session is closed at once and its
    reconnects refused; the hub marks it revoked and offline and ignores what it sent."""
    from hub.cli import fail, prepared_settings

    settings = prepared_settings()
    now = SystemClock().now()
    with one_session(settings.database_url) as session:
        try:
            marked = mark_revoked(session, device_id, now)
        except RevokeError as exc:
            fail(str(exc))
        if not marked.already:
            record(
                session,
                actor=cli_actor(),
                action="device.revoke",
                target=f"device:{device_id}",
                details={"room_id": marked.room_id},
                now=now,
            )
        session.commit()  # the hub stops trusting it before the broker drops it
    crl = CrlFiles(settings.devices_crl_file, settings.mqtt_ca_file, settings.devices_ca_key_file)
    try:
        with _accounts(settings) as accounts:
            withdrawn = withdraw_credentials(accounts, marked, crl)
    except (BrokerAccountError, PkiError) as exc:
        fail(
            f"terminal {device_id!r} is revoked in the hub, but not yet at the broker: {exc}. "
            f"Fix that and run 'python -m hub devices revoke {device_id}' again."
        )
    document = {
        "device_id": marked.device_id,
        "room_id": marked.room_id,
        "revoked_at": marked.revoked_at.isoformat(),
        "already_revoked": marked.already,
        "broker_account_removed": withdrawn.account_removed,
        "crl_updated": withdrawn.crl_updated,
        "reload_broker": bool(withdrawn.crl_updated),
    }
    if json_output:
        print(json.dumps(document))
        return
    print(
        f"terminal {device_id} revoked"
        + (" (again)" if marked.already else "")
        + (
            ": its broker account is removed (a live session is closed at once)"
            if withdrawn.account_removed
            else ": the broker had no account for it (any more)"
        )
    )
    if withdrawn.crl_updated:
        print(
            f"its certificate is on the revocation list {settings.devices_crl_file}: copy it "
            "to the broker if it keeps its own, and reload the broker (systemctl reload "
            "mosquitto) so the certificate is refused at the TLS handshake"
        )


@devices_app.command("list")
def list_command(
    room: Annotated[str | None, typer.Option("--room", help="Only this room's.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Terminals the hub knows, with their credentials' state."""
    from hub.cli import prepared_settings

    settings = prepared_settings()
    with one_session(settings.database_url) as session:
        query = select(Device).order_by(Device.id)
        if room is not None:
            query = query.where(Device.room_id == room)
        rows = [_listed(device) for device in session.scalars(query)]
    if json_output:
        print(json.dumps(rows))
        return
    print(f"{'device':<32} {'room':<24} {'online':<7} {'credential':<12} state")
    for row in rows:
        state = (
            f"revoked {row['revoked_at']}"
            if row["revoked_at"]
            else (f"provisioned {row['provisioned_at']}" if row["provisioned_at"] else "imported")
        )
        online = "yes" if row["online"] else "no"
        credential = row["credential"] or "-"
        print(f"{row['device_id']:<32} {row['room_id']:<24} {online:<7} {credential:<12} {state}")


def _listed(device: Device) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "device_id": device.id,
        "room_id": device.room_id,
        "online": device.online,
        "credential": device.credential,
        "provisioned_at": when(device.provisioned_at),
        "revoked_at": when(device.revoked_at),
        "last_seen_at": when(device.last_seen_at),
    }


@broker_app.command("init")
def broker_init_command(
    directory: Annotated[Path, typer.Option("--dir", help="An empty folder for the files.")],
    hostname: Annotated[
        list[str] | None,
        typer.Option(
            "--hostname",
            help="A name or address terminals use for the broker (repeatable; the first is "
            "written into configs). Default: this machine's name, localhost, 127.0.0.1.",
        ),
    ] = None,
    prefix: Annotated[str, typer.Option("--prefix", help="The topic prefix.")] = "quorum",
    discovery_prefix: Annotated[
        str,
        typer.Option(
            "--discovery-prefix",
            help="Home Assistant's discovery prefix (QUORUM_HOMEASSISTANT_DISCOVERY_PREFIX).",
        ),
    ] = DEFAULT_DISCOVERY_PREFIX,
    json_output: JsonOption = False,
) -> None:
    """Make a new broker's CA, server certificate, revocation list, dynamic-security file
    (admin, hub and Home Assistant accounts), the hub's settings (hub.env) and Home
    Assistant's password (homeassistant.password)."""
    from hub.cli import fail

    names = hostname or [socket.getfqdn(), "localhost", "127.0.0.1"]
    try:
        made = init_broker(
            directory,
            list(dict.fromkeys(names)),
            prefix=prefix,
            discovery_prefix=discovery_prefix,
        )
    except (BrokerInitError, OSError) as exc:
        fail(str(exc))
    files = {name: str(made.path(name)) for name in INIT_FILES}
    if json_output:
        print(
            json.dumps(
                {
                    "directory": str(made.directory),
                    "hostnames": made.hostnames,
                    "prefix": made.prefix,
                    "ports": {"password": PASSWORD_PORT, "certificate": CERT_PORT},
                    "admin_username": made.admin_username,
                    "hub_username": made.hub_username,
                    "homeassistant_username": made.homeassistant_username,
                    "discovery_prefix": made.discovery_prefix,
                    "files": files,
                }
            )
        )
        return
    print(f"broker files written to {made.directory} (keys and passwords: mode 0600)")
    print(
        "next: install them as deploy/mosquitto/README.md says, start the hub with the "
        f"settings in {made.path('hub.env')}, then provision terminals with "
        "'python -m hub devices provision --room ROOM'; Home Assistant's account is "
        f"{made.homeassistant_username!r}, its password in {made.path('homeassistant.password')}"
    )
