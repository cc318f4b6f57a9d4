"""Revoking a terminal: the hub stops trusting it, then the broker stops letting it in.

The hub's side comes first and is committed by the caller before the broker is asked, so a
message the terminal sent just before is already dead-lettered (``device_revoked``) when
the broker disconnects it and delivers its Last Will. The broker's side removes the account
(the live session ends at once; reconnects are refused) and, for a terminal with a client
certificate, adds the certificate to the revocation list. Both steps may be run again: a
second revoke only retries what the broker has not done yet.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.yaml_locations import closest
from hub.db.models import Device, DeviceStatusChange
from hub.devices.broker_accounts import BrokerAccounts
from hub.devices.crl import revoke_certificate
from hub.devices.pki import PkiError, load_ca

REVOKED_REASON = "revoked"


class RevokeError(Exception):
    """The terminal cannot be revoked (unknown); the message says why."""


@dataclass(frozen=True)
class MarkedRevoked:
    device_id: str
    room_id: str
    revoked_at: datetime
    already: bool  # it was revoked before: only the broker's side is retried
    cert_serial: str | None


@dataclass(frozen=True)
class CrlFiles:
    """What signs and holds the revocation list (from the hub's settings)."""

    crl_file: Path | None
    ca_file: Path | None
    ca_key_file: Path | None


def mark_revoked(session: Session, device_id: str, now: datetime) -> MarkedRevoked:
    """Revoked and offline (reason ``revoked``) in the hub; the caller commits."""
    device = session.get(Device, device_id)
    if device is None:
        known = list(session.scalars(select(Device.id).order_by(Device.id)))
        hint = closest(device_id, known)
        raise RevokeError(
            f"no terminal {device_id!r} in the hub"
            + (f" (did you mean {hint}?)" if hint else "")
            + ": python -m hub devices list shows them"
        )
    already = device.revoked_at is not None
    if not already:
        device.revoked_at = now
        device.online = False
        device.status_changed_at = now
        session.add(
            DeviceStatusChange(device_id=device.id, online=False, at=now, reason=REVOKED_REASON)
        )
        session.flush()
    assert device.revoked_at is not None
    return MarkedRevoked(device.id, device.room_id, device.revoked_at, already, device.cert_serial)


@dataclass(frozen=True)
class Withdrawn:
    account_removed: bool  # False: the broker had no account of that name (any more)
    # None: no certificate; True: added to the list now; False: it was on it already.
    crl_updated: bool | None


def withdraw_credentials(
    accounts: BrokerAccounts, marked: MarkedRevoked, crl: CrlFiles
) -> Withdrawn:
    """Remove the broker account (ends the session) and revoke the certificate, if any.

    Raises :class:`hub.devices.broker_accounts.BrokerAccountError` or
    :class:`hub.devices.pki.PkiError`; the hub's side stays revoked, so running it again
    completes it.
    """
    removed = accounts.remove_device(marked.device_id)
    if marked.cert_serial is None:
        return Withdrawn(removed, None)
    if crl.crl_file is None or crl.ca_file is None or crl.ca_key_file is None:
        raise PkiError(
            f"terminal {marked.device_id!r} has a client certificate, but no revocation list "
            "is configured: set QUORUM_DEVICES_CRL_FILE, QUORUM_MQTT_CA_FILE and "
            "QUORUM_DEVICES_CA_KEY_FILE, and revoke it again"
        )
    ca = load_ca(crl.ca_file, crl.ca_key_file)
    added = revoke_certificate(crl.crl_file, ca, int(marked.cert_serial, 16))
    return Withdrawn(removed, added)
