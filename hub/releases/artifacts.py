"""What a release file is: its manifest, read from the file itself.

- A **wheel** of this project (``quorum_rooms-<version>-py3-none-any.whl``): name, version and
  ``Requires-Python`` from its ``METADATA``; the contract version it speaks from its
  ``contract/__init__.py`` (``CONTRACT_VERSION = N``).
- A **bundle** (``*.tar.gz``): a ready-made tree with ``quorum-release.json`` at its root:
  ``{"version": ..., "contract_version": N, "requires_python": ...}``.

Plus what the hub computes: SHA-256 and size. Nothing in the file is executed.
"""

import hashlib
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from contract.update_data import Version

PACKAGE = "quorum-rooms"
BUNDLE_MANIFEST = "quorum-release.json"
_CONTRACT_LINE = re.compile(rb"^CONTRACT_VERSION\s*=\s*(\d+)\s*$", re.MULTILINE)
_VERSION = TypeAdapter(Version)


class ArtifactError(Exception):
    """The file is not a release of the terminal software (the message says why)."""


@dataclass(frozen=True)
class Manifest:
    version: str
    filename: str
    kind: str  # wheel | bundle
    sha256: str
    size_bytes: int
    contract_version: int
    requires_python: str | None


def inspect(path: Path) -> Manifest:
    """The manifest of the release file at ``path``; ArtifactError if it is not one."""
    name = path.name
    try:
        if name.endswith(".whl"):
            kind, (version, contract, python) = "wheel", _wheel(path)
        elif name.endswith((".tar.gz", ".tgz")):
            kind, (version, contract, python) = "bundle", _bundle(path)
        else:
            raise ArtifactError(f"{name}: a release is a wheel (.whl) or a bundle (.tar.gz)")
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise ArtifactError(f"{name}: cannot read it: {exc}") from exc
    try:
        _VERSION.validate_python(version)
    except ValidationError:
        raise ArtifactError(f"{name}: {version!r} is not a version this hub can hand out") from None
    digest, size = sha256_of(path)
    return Manifest(version, name, kind, digest, size, contract, python)


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _wheel(path: Path) -> tuple[str, int, str | None]:
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        metadata = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(metadata) != 1:
            raise ArtifactError(f"{path.name}: no single .dist-info/METADATA: not a wheel")
        headers = HeaderParser().parsestr(wheel.read(metadata[0]).decode("utf-8", "replace"))
        package = re.sub(r"[-_.]+", "-", (headers.get("Name") or "").lower())
        if package != PACKAGE:
            raise ArtifactError(
                f"{path.name}: a wheel of {headers.get('Name')!r}, not of {PACKAGE} "
                "(the terminal software)"
            )
        if "contract/__init__.py" not in names:
            raise ArtifactError(f"{path.name}: has no contract/__init__.py: not the terminal")
        found = _CONTRACT_LINE.search(wheel.read("contract/__init__.py"))
        if found is None:
            raise ArtifactError(f"{path.name}: contract/__init__.py names no CONTRACT_VERSION")
        return (
            str(headers.get("Version") or ""),
            int(found.group(1)),
            headers.get("Requires-Python"),
        )


def _bundle(path: Path) -> tuple[str, int, str | None]:
    with tarfile.open(path, "r:*") as bundle:
        try:
            member = bundle.getmember(BUNDLE_MANIFEST)
        except KeyError:
            try:
                member = bundle.getmember(f"./{BUNDLE_MANIFEST}")
            except KeyError:
                raise ArtifactError(f"{path.name}: no {BUNDLE_MANIFEST} at its root") from None
        source = bundle.extractfile(member)
        if source is None:
            raise ArtifactError(f"{path.name}: {BUNDLE_MANIFEST} is not a file")
        try:
            manifest = json.loads(source.read(64 * 1024))
            contract = manifest["contract_version"]
            version = manifest["version"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ArtifactError(f"{path.name}: {BUNDLE_MANIFEST}: {exc!r}") from exc
    if not isinstance(contract, int) or not isinstance(version, str):
        raise ArtifactError(f"{path.name}: {BUNDLE_MANIFEST} needs a version and contract_version")
    python = manifest.get("requires_python")
    return version, contract, python if isinstance(python, str) else None
