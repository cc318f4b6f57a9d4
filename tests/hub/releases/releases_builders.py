"""Release files for tests: a wheel of the terminal as far as the hub reads one (its METADATA
and contract/__init__.py), and a bundle with its manifest; nothing in them runs."""

import io
import json
import tarfile
import zipfile
from pathlib import Path


def make_wheel(
    directory: Path,
    version: str = "0.2.0",
    *,
    name: str = "quorum-rooms",
    contract: int = 1,
    filler: bytes = b"",
) -> Path:
    path = directory / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(
            f"{name.replace('-', '_')}-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: >=3.11\n",
        )
        wheel.writestr(
            "contract/__init__.py", f'"""The contract."""\n\nCONTRACT_VERSION = {contract}\n'
        )
        wheel.writestr("edge/__init__.py", filler)
    return path


def make_bundle(directory: Path, version: str, files: dict[str, tuple[str, int]]) -> Path:
    """A .tar.gz with quorum-release.json and ``files`` (name -> (text, mode))."""
    path = directory / f"quorum-terminal-{version}.tar.gz"
    manifest = {"version": version, "contract_version": 1, "requires_python": ">=3.11"}
    with tarfile.open(path, "w:gz") as bundle:
        for name, (text, mode) in {
            "quorum-release.json": (json.dumps(manifest), 0o644),
            **files,
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            bundle.addfile(info, io.BytesIO(data))
    return path
