"""The broker's certificates: a CA, the broker's server certificate, terminals' client
certificates (``cryptography``; ECDSA P-256 keys, PEM files).

One CA signs both: the terminals check the broker's certificate against it, and the broker
checks terminals' client certificates against it (``cafile`` of the certificate listener).
Private keys are written with mode 0600 and never leave the machine that made them except
as the file an operator copies to its terminal.
"""

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
LEAF_DAYS = 825  # what browsers and most TLS stacks still accept for a leaf certificate
# Certificates start a little in the past so a terminal whose clock lags still accepts them.
BACKDATE = timedelta(hours=1)


class PkiError(Exception):
    """A CA or certificate file that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def write(self, cert_path: Path, key_path: Path) -> None:
        """The certificate (0644) and the key (0600, created so from the start)."""
        cert_path.write_bytes(self.cert_pem)
        write_private(key_path, self.key_pem)


def write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def new_ca(common_name: str = "Quorum broker CA", days: int = CA_DAYS) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(certificate, key)


def server_certificate(ca: KeyPair, hostnames: list[str], days: int = LEAF_DAYS) -> KeyPair:
    """The broker's certificate, valid for each host name or IP address given."""
    if not hostnames:
        raise PkiError("a server certificate needs at least one host name or address")
    names: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return _leaf(ca, hostnames[0], ExtendedKeyUsageOID.SERVER_AUTH, days, names)


def client_certificate(ca: KeyPair, common_name: str, days: int = LEAF_DAYS) -> KeyPair:
    """A terminal's certificate; its common name is its MQTT username (the terminal id)."""
    return _leaf(ca, common_name, ExtendedKeyUsageOID.CLIENT_AUTH, days, [])


def _leaf(
    ca: KeyPair,
    common_name: str,
    usage: x509.ObjectIdentifier,
    days: int,
    alt_names: list[x509.GeneralName],
) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False
        )
    )
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return KeyPair(builder.sign(ca.key, hashes.SHA256()), key)


def load_ca(cert_path: Path, key_path: Path) -> KeyPair:
    """The CA that signs terminals' certificates, from its two PEM files."""
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except OSError as exc:
        raise PkiError(f"cannot read the CA file {exc.filename}: {exc.strerror}") from None
    except (ValueError, TypeError) as exc:
        raise PkiError(f"{cert_path} / {key_path}: not a PEM certificate and key ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{key_path}: expected an EC private key (as 'broker init' makes)")
    if certificate.public_key() != key.public_key():
        raise PkiError(f"{key_path} is not the key of the certificate {cert_path}")
    return KeyPair(certificate, key)
