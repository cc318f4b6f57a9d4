"""Broker: reachable at the config's address, and it takes this terminal's credentials.

The probe (edge/doctor/probe.py) connects as the terminal would; here its outcome becomes a
message and a fix. CONNACK reasons are MQTT 5's (paho maps MQTT 3.1.1's return codes onto
them): 134 bad user name or password, 135 not authorized, and so on.
"""

import os
from typing import Any

from common.mqtt import BrokerAddress
from contract import topics
from edge.credentials import CredentialError, check_tls_files, resolve_secret
from edge.doctor.context import DoctorContext
from edge.doctor.probe import ProbeResult, probe
from edge.doctor.result import CheckResult, passed, problem, skipped

NAME = "broker"
PROVISION = "python -m hub devices provision"


def reprovision_hint(terminal: str, room: str, source: object) -> str:
    """How to give a terminal new credentials (hub/devices: revoke, then provision again)."""
    return (
        f"re-provision it on the hub (python -m hub devices revoke {terminal}; {PROVISION} "
        f"--room {room} --id {terminal} --install-dir /etc/quorum) and copy the files it "
        f"writes to /etc/quorum/ (its config replaces {source})"
    )


def check_broker(ctx: DoctorContext) -> CheckResult:
    if ctx.offline:
        return skipped(NAME, "--offline: the broker was not contacted")
    mqtt = ctx.config.mqtt
    try:
        password = resolve_secret(mqtt.password, ctx.env)
        check_tls_files(mqtt.ca_file, mqtt.cert_file, mqtt.key_file)
    except CredentialError:
        return skipped(NAME, "not tried: the credentials cannot be used (see credentials)")
    address = BrokerAddress(
        host=mqtt.host,
        port=mqtt.port,
        protocol=mqtt.protocol,
        keepalive_s=mqtt.keepalive,
        username=mqtt.username,
        password=password,
        tls=mqtt.tls,
        ca_file=mqtt.ca_file,
        cert_file=mqtt.cert_file,
        key_file=mqtt.key_file,
    )
    terminal, room = ctx.config.terminal.id, ctx.config.room.id
    # Its own client id: the terminal's, if running, must not be disconnected by the probe.
    client_id = f"{terminal}-doctor-{os.getpid()}"
    commands = topics.commands_for(mqtt.prefix, room, terminal)
    return interpret(ctx, address, probe(address, client_id, commands, ctx.timeout_s), commands)


def interpret(
    ctx: DoctorContext, address: BrokerAddress, result: ProbeResult, commands: str
) -> CheckResult:
    where = f"{address.host}:{address.port}{' (TLS)' if address.tls else ''}"
    details: dict[str, Any] = {"host": address.host, "port": address.port, "tls": address.tls}
    source, terminal = ctx.config_path, ctx.config.terminal.id
    reprovision = reprovision_hint(terminal, ctx.config.room.id, source)
    if result.error is not None:
        message = f"cannot reach the broker at {where}: {result.error}"
        return problem(NAME, True, message, _connect_fix(result, address, source), **details)
    code = result.reason_code
    details.update(protocol=result.protocol, reason_code=code)
    if code in (134, 135):
        who = f"user {address.username!r}" if address.username else "a client without a user"
        if address.username is None and address.cert_file is None:
            fix = (
                f"the broker wants an account: on the hub, {PROVISION} --room "
                f"{ctx.config.room.id} --id {terminal} --install-dir /etc/quorum, then copy the "
                f"files it writes to /etc/quorum/ (its config replaces {source})"
            )
        elif address.cert_file is not None and address.username is None:
            fix = (
                f"the broker does not accept the client certificate {address.cert_file} "
                f"(expired, revoked, or from another CA): {reprovision}"
            )
        else:
            fix = (
                f"the password in {ctx.config.mqtt.password} does not match the broker's "
                f"account {address.username!r} (or the account is gone): {reprovision}"
            )
        message = f"{result.reason.lower()}: the broker at {where} refused {who}"
        return problem(NAME, True, message, fix, **details)
    if code == 132:
        fix = f"set mqtt.protocol: auto (or 3.1.1) in {source}"
        return problem(NAME, True, f"{where}: {result.reason}", fix, **details)
    if code == 138:
        fix = "the broker bans this client: ask its operator why (mosquitto's log)"
        return problem(NAME, True, f"{where}: {result.reason}", fix, **details)
    if code != 0:
        fix = "the broker is up but refuses connections now: look at its log and try again"
        return problem(NAME, True, f"{where}: {result.reason} ({code})", fix, **details)
    if result.subscribe_granted is False:
        return problem(
            NAME,
            True,
            f"connected to {where}, but the broker does not let this account read {commands}",
            f"the broker's ACL for {address.username or terminal} is wrong: {reprovision}",
            **details,
        )
    return passed(NAME, f"connected to {where} with MQTT {result.protocol}", **details)


def _connect_fix(result: ProbeResult, address: BrokerAddress, source: object) -> str:
    if result.error_kind == "refused":
        return (
            f"nothing listens on {address.host}:{address.port}: is the broker running "
            f"(systemctl status mosquitto on the broker's host), and are mqtt.host and "
            f"mqtt.port in {source} right?"
        )
    if result.error_kind == "dns":
        return f"the name {address.host!r} does not resolve: check mqtt.host in {source} and DNS"
    if result.error_kind == "timeout":
        return (
            f"no answer from {address.host}:{address.port}: a firewall may drop the traffic, "
            "or the host is down (ping it; check the broker's listener)"
        )
    if result.error_kind == "tls":
        return (
            "the TLS handshake failed: mqtt.ca_file must be the CA that signed the broker's "
            "certificate, the certificate must name mqtt.host, and the terminal's clock must "
            "be right (see clock)"
        )
    if result.error_kind == "closed":
        hint = "it may expect TLS (mqtt.tls: true, port 8883)" if not address.tls else ""
        return f"the broker closed the connection without answering; {hint or 'see its log'}"
    return f"check mqtt.host and mqtt.port in {source} and the network"
