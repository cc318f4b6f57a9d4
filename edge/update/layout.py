"""Release slots on the terminal: ``<releases>/<version>/`` and the ``current`` symlink.

Each release is installed into a directory of its own (a virtual environment for a wheel),
never over the running one; ``current`` is a symlink to the slot the service runs from. The
layout deploy/pi sets up (docs/fleet.md)::

    /opt/quorum/releases/0.1.0/          a slot: a venv with that release installed
    /opt/quorum/releases/0.2.0/
    /opt/quorum/releases/current -> 0.2.0
    /opt/quorum/venv -> releases/current  what quorum-edge.service runs (ExecStart)

Switching is one atomic ``rename`` of a new symlink over ``current``, so a power cut leaves
either the old or the new target, never neither; rolling back is the same switch to the
previous slot. A slot is complete once its ``.installed`` marker (the artifact's SHA-256) is
written: a slot without it is the remains of an interrupted install and is installed again.
"""

import os
import shutil
from pathlib import Path

INSTALLED_MARKER = ".installed"


class LayoutError(Exception):
    """The release directory is not usable (no current release, a slot that is not ours)."""


class ReleaseLayout:
    def __init__(self, releases: Path, current: Path | None = None) -> None:
        self.releases = releases
        self.current_link = current if current is not None else releases / "current"

    def slot(self, version: str) -> Path:
        if "/" in version or version.startswith(".") or version == self.current_link.name:
            raise LayoutError(f"not a release version: {version!r}")
        return self.releases / version

    def current_version(self) -> str | None:
        """The version ``current`` points at (None: no current release)."""
        try:
            target = os.readlink(self.current_link)
        except (FileNotFoundError, OSError):
            return None
        resolved = (self.current_link.parent / target).resolve()
        if resolved.parent != self.releases.resolve():
            raise LayoutError(f"{self.current_link} points outside {self.releases}: {target}")
        return resolved.name

    def is_installed(self, version: str, sha256: str | None = None) -> bool:
        marker = self.slot(version) / INSTALLED_MARKER
        try:
            written = marker.read_text().strip()
        except OSError:
            return False
        return sha256 is None or written == sha256

    def mark_installed(self, version: str, sha256: str) -> None:
        write_atomically(self.slot(version) / INSTALLED_MARKER, sha256 + "\n")

    def switch_to(self, version: str) -> None:
        """Point ``current`` at ``version``'s slot, atomically (rename over the old link)."""
        slot = self.slot(version)
        if not slot.is_dir():
            raise LayoutError(f"no release {version} in {self.releases}")
        directory = self.current_link.parent
        temporary = directory / f".{self.current_link.name}-{os.getpid()}"
        temporary.unlink(missing_ok=True)
        # Relative, so the tree can be moved or inspected from a chroot.
        temporary.symlink_to(os.path.relpath(slot, directory))
        os.replace(temporary, self.current_link)
        _sync_directory(directory)

    def installed_versions(self) -> list[str]:
        if not self.releases.is_dir():
            return []
        return sorted(
            p.name
            for p in self.releases.iterdir()
            if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
        )

    def prune(self, keep: int, protect: set[str]) -> list[str]:
        """Keep ``keep`` slots: those in ``protect`` (the current and the previous release)
        and the newest others (by install time); remove the rest. Returns the removed."""
        versions = self.installed_versions()
        others = [self.slot(v) for v in versions if v not in protect]
        others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        room = max(0, keep - sum(1 for v in versions if v in protect))
        for slot in others[room:]:
            shutil.rmtree(slot, ignore_errors=True)
        return [slot.name for slot in others[room:]]


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (the new name survives a power cut)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
