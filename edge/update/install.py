"""Install a verified release into its own slot, and check it there before it is switched to.

Two kinds of artifact, told apart by the file name the hub gives:

- a **wheel** (``*.whl``, what ``python -m build`` or ``pip wheel`` makes of this project): a
  new virtual environment in the slot, then ``pip install '<wheel>[<extras>]'`` into it (with
  ``update.pip_args``, e.g. a local wheelhouse for terminals without Internet access);
- a **bundle** (``*.tar.gz``, ``*.tgz``): a ready-made tree unpacked into the slot, for
  builds made elsewhere (a relocatable Python with everything installed). Unpacking uses
  tarfile's ``data`` filter: no absolute paths, nothing outside the slot, no devices.

The check runs ``<slot>/bin/python -m edge validate <config>``: the new version must import
and accept this terminal's configuration, or nothing is switched.
"""

import shutil
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

INSTALL_TIMEOUT_S = 1800.0  # a Pi building a venv with speech wheels takes minutes
CHECK_TIMEOUT_S = 300.0
WHEEL_SUFFIXES = (".whl",)
BUNDLE_SUFFIXES = (".tar.gz", ".tgz")


class InstallError(Exception):
    """The release could not be installed (the slot is removed again)."""


class CheckFailed(Exception):
    """The installed release does not run this terminal's configuration."""


class Installer(Protocol):
    def install(self, artifact: Path, filename: str, slot: Path) -> None: ...

    def check(self, slot: Path, config: Path) -> None: ...


def artifact_kind(filename: str) -> str:
    """``wheel`` or ``bundle``; InstallError for anything else."""
    if filename.endswith(WHEEL_SUFFIXES):
        return "wheel"
    if filename.endswith(BUNDLE_SUFFIXES):
        return "bundle"
    raise InstallError(f"{filename}: not a wheel (.whl) or a bundle (.tar.gz)")


class SlotInstaller:
    def __init__(
        self,
        *,
        extras: str = "edge,pi,speech",
        pip_args: Sequence[str] = (),
        base_python: str = sys.executable,
    ) -> None:
        self._extras = extras
        self._pip_args = list(pip_args)
        # The interpreter new venvs are made from (its base, not a venv of its own).
        self._base_python = base_python

    def install(self, artifact: Path, filename: str, slot: Path) -> None:
        kind = artifact_kind(filename)
        if slot.exists():  # the remains of an interrupted install: start again
            shutil.rmtree(slot)
        slot.parent.mkdir(parents=True, exist_ok=True)
        try:
            if kind == "wheel":
                self._install_wheel(artifact, filename, slot)
            else:
                _unpack_bundle(artifact, slot)
        except InstallError:
            shutil.rmtree(slot, ignore_errors=True)
            raise

    def _install_wheel(self, artifact: Path, filename: str, slot: Path) -> None:
        _run([self._base_python, "-m", "venv", str(slot)], "making the venv", INSTALL_TIMEOUT_S)
        # pip wants the wheel's own file name (it carries name and version).
        wheel = artifact.with_name(filename) if artifact.name != filename else artifact
        if wheel != artifact:
            shutil.copyfile(artifact, wheel)
        requirement = f"{wheel}[{self._extras}]" if self._extras else str(wheel)
        try:
            _run(
                [
                    str(slot / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    *self._pip_args,
                    requirement,
                ],
                "pip install",
                INSTALL_TIMEOUT_S,
            )
        finally:
            if wheel != artifact:
                wheel.unlink(missing_ok=True)

    def check(self, slot: Path, config: Path) -> None:
        python = slot / "bin" / "python"
        if not python.exists():
            raise CheckFailed(f"{python} does not exist: the release has no interpreter")
        try:
            # In the slot: the guard's own working directory must not shadow its packages.
            argv = [str(python), "-m", "edge", "validate", str(config)]
            _run(argv, "check", CHECK_TIMEOUT_S, cwd=slot)
        except InstallError as exc:
            raise CheckFailed(str(exc)) from exc


def _unpack_bundle(artifact: Path, slot: Path) -> None:
    slot.mkdir()
    try:
        with tarfile.open(artifact, "r:*") as archive:
            archive.extractall(slot, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise InstallError(f"unpacking the bundle: {exc}") from exc


def _run(argv: list[str], what: str, timeout_s: float, cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired as exc:
        raise InstallError(f"{what} took longer than {timeout_s:.0f} s") from exc
    except OSError as exc:
        raise InstallError(f"{what}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise InstallError(f"{what} exited with status {done.returncode}: {' | '.join(tail)}")
