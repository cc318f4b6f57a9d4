"""Throwaway certificates for tests: a CA, client certificates, and a "wrong" CA that the
broker and terminals must refuse. Built with the hub's own PKI code (hub/devices/pki.py),
the same that 'python -m hub broker init' and 'devices provision --cert' use.
"""

from dataclasses import dataclass
from pathlib import Path

from hub.devices.pki import KeyPair, client_certificate, new_ca, server_certificate


@dataclass(frozen=True)
class CertFiles:
    cert: Path
    key: Path


def make_ca(directory: Path, name: str) -> tuple[KeyPair, CertFiles]:
    """A CA of its own, written as ``<name>.crt`` and ``<name>.key``."""
    ca = new_ca(f"{name} (test CA)")
    return ca, _write(ca, directory, name)


def make_client(ca: KeyPair, common_name: str, directory: Path) -> CertFiles:
    """A client certificate for ``common_name`` (the MQTT username), signed by ``ca``."""
    return _write(client_certificate(ca, common_name), directory, common_name)


def make_server(ca: KeyPair, directory: Path, name: str = "server") -> CertFiles:
    return _write(server_certificate(ca, ["localhost", "127.0.0.1"]), directory, name)


def _write(pair: KeyPair, directory: Path, name: str) -> CertFiles:
    directory.mkdir(parents=True, exist_ok=True)
    files = CertFiles(directory / f"{name}.crt", directory / f"{name}.key")
    pair.write(files.cert, files.key)
    return files
