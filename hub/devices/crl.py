"""The certificate revocation list of the broker's client-certificate listener.

Mosquitto reads ``crlfile`` when it starts and again on SIGHUP (``systemctl reload
mosquitto``); from then on a revoked certificate fails the TLS handshake. Until the reload,
a revoked terminal that still holds its certificate can connect but do nothing: its broker
account is gone, so every publish and subscribe is refused.

The list is valid until the CA expires: an expired list would make OpenSSL refuse every
client certificate.
"""

from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from hub.devices.pki import BACKDATE, KeyPair, PkiError


def write_crl(path: Path, ca: KeyPair, serials: set[int]) -> None:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now - BACKDATE)
        .next_update(ca.certificate.not_valid_after_utc)
    )
    for serial in sorted(serials):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    crl = builder.sign(ca.key, hashes.SHA256())
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    temporary.replace(path)  # the broker never reads half a list


def revoked_serials(path: Path, ca: KeyPair) -> set[int]:
    try:
        crl = x509.load_pem_x509_crl(path.read_bytes())
    except OSError as exc:
        raise PkiError(f"cannot read the revocation list {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise PkiError(f"{path} is not a PEM revocation list ({exc})") from None
    if not crl.is_signature_valid(ca.key.public_key()):
        raise PkiError(f"{path} was not signed by the CA that signs terminals' certificates")
    return {entry.serial_number for entry in crl}


def revoke_certificate(path: Path, ca: KeyPair, serial: int) -> bool:
    """Add ``serial`` to the list; False if it was already there."""
    serials = revoked_serials(path, ca)
    if serial in serials:
        return False
    write_crl(path, ca, serials | {serial})
    return True
