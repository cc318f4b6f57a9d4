"""Releases the hub keeps: the file under ``QUORUM_RELEASES_DIR`` and its manifest in the store.

``<releases_dir>/<version>/<filename>``, copied in and checked against the SHA-256 the
manifest was made from. A version is added once: adding the same file again changes
nothing, another file under a version already known is refused (a version means one build).
"""

import os
import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract import CONTRACT_VERSION
from hub.db.release_models import Release
from hub.releases.artifacts import ArtifactError, Manifest, inspect, sha256_of


class ReleaseError(Exception):
    """A release that cannot be added or used (the message says why and what to do)."""


def artifact_path(releases_dir: Path, release: Release) -> Path:
    return releases_dir / release.version / release.filename


def add_release(
    session: Session,
    source: Path,
    releases_dir: Path,
    *,
    now: datetime,
    actor: str,
    notes: str | None = None,
) -> tuple[Release, bool]:
    """Store the release file ``source``; returns the release and whether it is new."""
    try:
        manifest = inspect(source)
    except ArtifactError as exc:
        raise ReleaseError(str(exc)) from exc
    if manifest.contract_version != CONTRACT_VERSION:
        raise ReleaseError(
            f"{source.name} speaks contract v{manifest.contract_version}; this hub speaks "
            f"v{CONTRACT_VERSION}: upgrade the hub first"
        )
    known = session.get(Release, manifest.version)
    if known is not None:
        if known.sha256 == manifest.sha256:
            return known, False
        raise ReleaseError(
            f"version {manifest.version} is already a release, built from another file "
            f"(SHA-256 {known.sha256[:12]}...): give the new build a new version"
        )
    _copy_in(source, releases_dir / manifest.version / manifest.filename, manifest)
    release = Release(
        version=manifest.version,
        filename=manifest.filename,
        kind=manifest.kind,
        sha256=manifest.sha256,
        size_bytes=manifest.size_bytes,
        contract_version=manifest.contract_version,
        requires_python=manifest.requires_python,
        notes=notes,
        added_at=now,
        added_by=actor[:100],
    )
    session.add(release)
    session.flush()
    return release, True


def list_releases(session: Session) -> list[Release]:
    return list(session.scalars(select(Release).order_by(Release.added_at, Release.version)))


def release_out(release: Release) -> dict[str, object]:
    return {
        "version": release.version,
        "filename": release.filename,
        "kind": release.kind,
        "sha256": release.sha256,
        "size_bytes": release.size_bytes,
        "contract_version": release.contract_version,
        "requires_python": release.requires_python,
        "notes": release.notes,
        "added_at": release.added_at.isoformat(),
        "added_by": release.added_by,
    }


def _copy_in(source: Path, destination: Path, manifest: Manifest) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    shutil.copyfile(source, partial)
    if sha256_of(partial) != (manifest.sha256, manifest.size_bytes):
        partial.unlink(missing_ok=True)
        raise ReleaseError(f"{source.name} changed while it was being copied: add it again")
    os.replace(partial, destination)
