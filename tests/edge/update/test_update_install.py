"""Installing a bundle into its slot and checking it there (edge/update/install.py), for real:
tarfile's data filter, and a slot's ``bin/python`` run as the check. (Wheels: a venv and pip,
which take seconds and need the package index for the dependencies; not run here.)"""

import io
import os
import tarfile
from pathlib import Path

import pytest

from edge.update.install import CheckFailed, InstallError, SlotInstaller, artifact_kind


def tarball(path: Path, members: dict[str, tuple[bytes, int]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, (data, mode) in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_bundle_is_unpacked_into_its_slot_with_its_modes(tmp_path: Path) -> None:
    artifact = tarball(
        tmp_path / "artifact",
        {"bin/python": (b"#!/bin/sh\nexit 0\n", 0o755), "lib/x.txt": (b"x", 0o644)},
    )
    slot = tmp_path / "releases" / "0.2.0"
    SlotInstaller().install(artifact, "quorum-terminal-0.2.0.tar.gz", slot)
    assert (slot / "lib" / "x.txt").read_text() == "x"
    assert os.access(slot / "bin" / "python", os.X_OK)
    SlotInstaller().check(slot, tmp_path / "terminal.yaml")  # exits 0: accepted


def test_a_bundle_reaching_outside_its_slot_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    artifact = tarball(tmp_path / "artifact", {"../../escaped": (b"x", 0o644)})
    slot = tmp_path / "releases" / "0.2.0"
    with pytest.raises(InstallError, match="unpacking the bundle"):
        SlotInstaller().install(artifact, "quorum-terminal-0.2.0.tar.gz", slot)
    assert not slot.exists() and not (tmp_path / "escaped").exists()


def test_the_check_names_what_went_wrong(tmp_path: Path) -> None:
    slot = tmp_path / "0.2.0"
    with pytest.raises(CheckFailed, match="has no interpreter"):
        SlotInstaller().check(slot, tmp_path / "terminal.yaml")
    (slot / "bin").mkdir(parents=True)
    script = slot / "bin" / "python"
    script.write_text('#!/bin/sh\necho "terminal.yaml:3: update.colour: unknown key" >&2\nexit 1\n')
    script.chmod(0o755)
    with pytest.raises(CheckFailed, match=r"status 1: terminal\.yaml:3: update\.colour"):
        SlotInstaller().check(slot, tmp_path / "terminal.yaml")


def test_only_wheels_and_bundles_are_installed() -> None:
    assert artifact_kind("quorum_rooms-0.2.0-py3-none-any.whl") == "wheel"
    assert artifact_kind("quorum-terminal-0.2.0.tar.gz") == "bundle"
    with pytest.raises(InstallError, match="not a wheel"):
        artifact_kind("quorum_rooms-0.2.0.zip")
