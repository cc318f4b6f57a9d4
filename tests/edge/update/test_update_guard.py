"""The update guard's decisions (edge/update/guard.py): real slots, symlink and files in a
temporary directory; the download, the installer and the terminal service are fakes, and
time is a fake clock that moves only when the guard waits."""

import hashlib
from pathlib import Path

import pytest

from common.clock import FakeClock
from contract.update_commands import UpdateCommand
from edge.update.download import ChecksumMismatch, verify
from edge.update.files import HealthStamp, Journal, UpdateDir
from edge.update.guard import GuardSettings, UpdateGuard
from edge.update.install import CheckFailed
from edge.update.layout import ReleaseLayout
from edge.update.service import ServiceState

ARTIFACT = b"pretend this is a wheel"
SHA = hashlib.sha256(ARTIFACT).hexdigest()


class FakeFetcher:
    def __init__(self, content: bytes = ARTIFACT) -> None:
        self.content = content

    def fetch(self, url: str, destination: Path, *, sha256: str, size_bytes: int) -> None:
        destination.write_bytes(self.content)
        found = hashlib.sha256(self.content).hexdigest()
        verify(destination, len(self.content), found, sha256=sha256, size_bytes=size_bytes)


class FakeInstaller:
    def __init__(self, refuse_check: set[str] | None = None) -> None:
        self.refuse_check = refuse_check or set()
        self.installed: list[str] = []

    def install(self, artifact: Path, filename: str, slot: Path) -> None:
        assert artifact.read_bytes() == ARTIFACT  # only a verified file is installed
        (slot / "bin").mkdir(parents=True)
        (slot / "bin" / "python").write_text("#!/bin/sh\n")
        self.installed.append(slot.name)

    def check(self, slot: Path, config: Path) -> None:
        if slot.name in self.refuse_check:
            raise CheckFailed(f"{slot.name}: unknown key 'update.colour'")


class FakeTerminal:
    """The terminal service: what a version does when (re)started from ``current``.

    ``healthy``: connects and stamps at once; ``exits``: ends with status 1; ``silent``:
    runs but never connects; ``crashes_later``: stamps, then ends a few looks later.
    """

    def __init__(self, layout: ReleaseLayout, files: UpdateDir, behaviour: dict[str, str]):
        self.layout, self.files, self.behaviour = layout, files, behaviour
        self.started: list[str] = []
        self._running = True
        self._looks_left = -1

    def restart(self) -> None:
        version = self.layout.current_version()
        assert version is not None
        self.started.append(version)
        boot = f"boot-{len(self.started)}"
        does = self.behaviour.get(version, "healthy")
        self._running = does != "exits"
        self._looks_left = 3 if does == "crashes_later" else -1
        if does in ("healthy", "crashes_later"):
            self.files.write_health(HealthStamp(version, boot, 4242, "2026-11-28T02:00:00Z"))

    def state(self) -> ServiceState:
        if self._looks_left == 0:
            self._running = False
        self._looks_left -= 1
        return (
            ServiceState(True, "running")
            if self._running
            else ServiceState(False, "exited with status 1")
        )


@pytest.fixture
def world(tmp_path: Path):
    layout = ReleaseLayout(tmp_path / "releases")
    (layout.slot("0.1.0") / "bin").mkdir(parents=True)
    layout.mark_installed("0.1.0", "0" * 64)
    layout.switch_to("0.1.0")
    files = UpdateDir(tmp_path / "update")
    files.create()
    files.write_health(HealthStamp("0.1.0", "boot-0", 4241, "2026-11-28T01:00:00Z"))
    return layout, files


def make_guard(world, behaviour=None, *, fetcher=None, installer=None, settle_s=10.0):
    layout, files = world
    clock = FakeClock()
    terminal = FakeTerminal(layout, files, behaviour or {})
    guard = UpdateGuard(
        files,
        layout,
        fetcher or FakeFetcher(),
        installer or FakeInstaller(),
        terminal,
        GuardSettings(
            Path("/etc/quorum/terminal/terminal.yaml"), health_timeout_s=120, settle_s=settle_s
        ),
        clock,
        clock.advance,
    )
    return guard, terminal, clock


def command(version: str = "0.2.0", sha256: str = SHA) -> UpdateCommand:
    return UpdateCommand(
        rollout=7,
        version=version,
        url="http://hub.example/releases/download/abc",
        sha256=sha256,
        size_bytes=len(ARTIFACT),
        filename=f"quorum_rooms-{version}-py3-none-any.whl",
        health_timeout_s=60,
    )


def reported(files: UpdateDir) -> list[tuple[str, str | None]]:
    return [(r.state, r.reason) for _, r in files.pending_reports() if r is not None]


def test_a_healthy_update_switches_restarts_and_reports_healthy(world) -> None:
    layout, files = world
    guard, terminal, _ = make_guard(world)
    outcome = guard.carry_out(command())
    assert (outcome.state, outcome.from_version) == ("healthy", "0.1.0")
    assert reported(files) == [("installed", None), ("healthy", None)]
    assert layout.current_version() == "0.2.0"
    assert terminal.started == ["0.2.0"]
    assert files.read_journal() is None


def test_a_release_that_does_not_start_is_rolled_back(world) -> None:
    layout, files = world
    guard, terminal, _ = make_guard(world, {"0.2.0": "exits"})
    outcome = guard.carry_out(command())
    assert (outcome.state, outcome.reason) == ("rolled_back", "service_exited")
    assert outcome.detail is not None
    assert "0.2.0 exited with status 1 before it was healthy" in outcome.detail
    assert "back on 0.1.0, which is healthy" in outcome.detail
    assert terminal.started == ["0.2.0", "0.1.0"]  # the new one, then the old one again
    assert layout.current_version() == "0.1.0"
    assert reported(files) == [("installed", None), ("rolled_back", "service_exited")]
    assert files.read_journal() is None


def test_a_release_that_never_connects_is_rolled_back_after_the_health_timeout(world) -> None:
    layout, _ = world
    guard, _, clock = make_guard(world, {"0.2.0": "silent"})
    started = clock.monotonic()
    outcome = guard.carry_out(command())
    assert (outcome.state, outcome.reason) == ("rolled_back", "health_timeout")
    # The command's 60 s is less than the terminal's own 120 s: the longer one applies.
    assert clock.monotonic() - started >= 120
    assert layout.current_version() == "0.1.0"


def test_a_release_that_crashes_during_the_settle_time_is_rolled_back(world) -> None:
    guard, _, _ = make_guard(world, {"0.2.0": "crashes_later"})
    outcome = guard.carry_out(command())
    assert (outcome.state, outcome.reason) == ("rolled_back", "service_exited")
    assert outcome.detail is not None and "during its settle time" in outcome.detail


def test_a_download_that_is_not_the_release_changes_nothing(world) -> None:
    layout, files = world
    installer = FakeInstaller()
    guard, terminal, _ = make_guard(world, fetcher=FakeFetcher(b"tampered"), installer=installer)
    outcome = guard.carry_out(command())
    assert (outcome.state, outcome.reason) == ("failed", "sha256_mismatch")
    assert installer.installed == [] and terminal.started == []
    assert layout.current_version() == "0.1.0"
    assert list(files.downloads.iterdir()) == []  # the bad file is gone


def test_a_release_that_refuses_the_configuration_is_never_switched_to(world) -> None:
    layout, _ = world
    guard, terminal, _ = make_guard(world, installer=FakeInstaller(refuse_check={"0.2.0"}))
    outcome = guard.carry_out(command())
    assert (outcome.state, outcome.reason) == ("failed", "check_failed")
    assert terminal.started == [] and layout.current_version() == "0.1.0"


def test_without_a_current_release_there_is_nothing_to_roll_back_to(tmp_path: Path) -> None:
    layout, files = ReleaseLayout(tmp_path / "releases"), UpdateDir(tmp_path / "update")
    guard, terminal, _ = make_guard((layout, files))
    outcome = guard.carry_out(command())
    assert (outcome.state, outcome.reason) == ("failed", "no_rollback_target")
    assert terminal.started == []


def test_the_current_version_again_is_healthy_at_once(world) -> None:
    guard, terminal, _ = make_guard(world)
    assert guard.carry_out(command("0.1.0")).state == "healthy"
    assert terminal.started == []


def test_requests_are_carried_out_oldest_first_and_removed(world) -> None:
    layout, files = world
    files.add_request(command("0.2.0"))
    guard, _, _ = make_guard(world)
    outcomes = guard.run_pending()
    assert [o.state for o in outcomes] == ["healthy"]
    assert files.pending_requests() == []
    assert layout.current_version() == "0.2.0"


def test_a_guard_that_fails_before_the_switch_says_so_and_drops_the_request(world) -> None:
    class Broken(FakeInstaller):
        def install(self, artifact: Path, filename: str, slot: Path) -> None:
            raise RuntimeError("no space left on device")

    layout, files = world
    files.add_request(command("0.2.0"))
    guard, terminal, _ = make_guard(world, installer=Broken())
    [outcome] = guard.run_pending()
    assert (outcome.state, outcome.reason) == ("failed", "interrupted")
    assert outcome.detail is not None and "no space left on device" in outcome.detail
    assert files.pending_requests() == [] and terminal.started == []
    assert layout.current_version() == "0.1.0"


def test_an_interrupted_update_is_finished_by_the_next_guard(world) -> None:
    """Power cut after the switch: at boot the new version runs; the guard checks it."""
    layout, files = world
    (layout.slot("0.2.0") / "bin").mkdir(parents=True)
    layout.switch_to("0.2.0")
    files.write_journal(Journal(7, "0.2.0", "0.1.0", "boot-0", "switched"))
    files.write_health(HealthStamp("0.2.0", "boot-after-reboot", 1, "2026-11-28T02:01:00Z"))
    guard, terminal, _ = make_guard(world)
    outcome = guard.run_pending()[0]
    assert outcome.state == "healthy" and terminal.started == []
    assert files.read_journal() is None


def test_an_interrupted_rollback_is_completed(world) -> None:
    layout, files = world
    (layout.slot("0.2.0") / "bin").mkdir(parents=True)
    layout.switch_to("0.2.0")
    files.write_journal(Journal(7, "0.2.0", "0.1.0", "boot-0", "rolling_back"))
    guard, terminal, _ = make_guard(world)
    outcome = guard.run_pending()[0]
    assert (outcome.state, outcome.reason) == ("rolled_back", "interrupted")
    assert layout.current_version() == "0.1.0" and terminal.started == ["0.1.0"]


def test_old_releases_are_pruned_but_current_and_previous_are_kept(world) -> None:
    layout, _ = world
    for version in ("0.0.1", "0.0.2", "0.0.3"):
        (layout.slot(version) / "bin").mkdir(parents=True)
    guard, _, _ = make_guard(world)
    guard.carry_out(command())
    kept = layout.installed_versions()
    assert "0.2.0" in kept and "0.1.0" in kept and len(kept) == 3


def test_checksum_mismatch_removes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(ChecksumMismatch):
        verify(path, 1, "0" * 64, sha256="1" * 64, size_bytes=1)
    assert not path.exists()
