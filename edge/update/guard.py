"""The update guard: carries out one update and rolls it back if the new version is not healthy.

It runs as a process of its own (``python -m edge update-guard``, started by systemd when a
request appears), because it must outlive the terminal it restarts. For each request:

1. download the release and check its size and SHA-256 (a mismatch changes nothing);
2. install it into its own slot and check it there (``edge validate`` of this terminal's
   configuration); a failure changes nothing, the terminal keeps running;
3. write the journal, switch ``current`` to the new slot, restart the terminal;
4. health check: within the timeout the new process must connect and announce itself with
   the new version (its health stamp: a new boot, the new ``software_version``), and then
   keep running for the settle time;
5. healthy: report it, forget the journal, prune old slots. Otherwise switch back, restart,
   check the old version the same way, and report ``rolled_back`` with the reason.

Every step's outcome is a report file the running terminal publishes to the hub. A guard that
is itself interrupted after the switch (power cut) finds its journal on its next start and
finishes: it checks the new version again, or completes the rollback.

Time comes from a clock and waiting from ``sleep``, so tests drive it without waiting.
"""

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common.clock import Clock
from contract.update_commands import UpdateCommand
from contract.update_data import UpdateReason, UpdateReportData, UpdateState
from edge.update.download import ChecksumMismatch, DownloadError, Fetcher
from edge.update.files import Journal, UpdateDir
from edge.update.install import CheckFailed, Installer, InstallError
from edge.update.layout import LayoutError, ReleaseLayout
from edge.update.service import RestartFailed, Service

log = logging.getLogger(__name__)

Problem = tuple[UpdateReason, str]


@dataclass(frozen=True)
class GuardSettings:
    config: Path  # the terminal's configuration: the new version must accept it
    health_timeout_s: float
    settle_s: float
    keep: int = 3
    check: bool = True
    poll_s: float = 0.5


class UpdateGuard:
    def __init__(
        self,
        files: UpdateDir,
        layout: ReleaseLayout,
        fetcher: Fetcher,
        installer: Installer,
        service: Service,
        settings: GuardSettings,
        clock: Clock,
        sleep: Callable[[float], None],
    ) -> None:
        self._files = files
        self._layout = layout
        self._fetcher = fetcher
        self._installer = installer
        self._service = service
        self._settings = settings
        self._clock = clock
        self._sleep = sleep

    def run_pending(self) -> list[UpdateReportData]:
        """Finish an interrupted update, then carry out waiting requests, oldest first."""
        outcomes: list[UpdateReportData] = []
        journal = self._files.read_journal()
        if journal is not None:
            outcomes.append(self.resume(journal))
        for path in self._files.pending_requests():
            command = self._files.read_request(path)
            if command is None:
                log.warning("ignoring %s: not an update request", path)
            else:
                outcomes.extend(self._carry_out_safely(command))
            # Removed once done (the terminal sees an update under way until then); a guard
            # killed part-way does it again on its next start.
            path.unlink(missing_ok=True)
        return outcomes

    def _carry_out_safely(self, command: UpdateCommand) -> list[UpdateReportData]:
        try:
            return [self.carry_out(command)]
        except Exception as exc:  # a bug or a full disk: say so, and do not try it forever
            log.exception("the update to %s failed in the guard", command.version)
            if self._files.read_journal() is not None:
                return []  # past the switch: the next run finishes it from the journal
            detail = f"the update guard failed: {exc!r}"
            failed = self._reporter(command, None)("failed", "interrupted", detail)
            return [failed]

    def carry_out(self, command: UpdateCommand) -> UpdateReportData:
        try:
            from_version = self._layout.current_version()
            not_a_release = f"{self._layout.current_link} is not a release slot"
        except LayoutError as exc:
            from_version, not_a_release = None, str(exc)
        report = self._reporter(command, from_version)
        if from_version is None:
            return report("failed", "no_rollback_target", f"{not_a_release}: nothing to go back to")
        if from_version == command.version:
            return report("healthy", None, f"{command.version} is already the current release")
        problem = self._install(command)
        if problem is not None:
            return report("failed", *problem)
        report("installed", None, None)
        stamp = self._files.read_health()
        journal = Journal(
            rollout=command.rollout,
            version=command.version,
            from_version=from_version,
            boot_before=stamp.boot if stamp is not None else None,
            phase="switched",
        )
        self._files.write_journal(journal)  # before the switch: a power cut finds it
        self._layout.switch_to(command.version)
        log.info("switched to %s; restarting the terminal", command.version)
        return self._see_through(journal, max(command.health_timeout_s, self._timeout_s))

    def resume(self, journal: Journal) -> UpdateReportData:
        """Finish an update a previous guard left part-way (its journal is still there)."""
        log.warning("finishing an interrupted update to %s (%s)", journal.version, journal.phase)
        if journal.phase == "switched":
            # The terminal may well be running the new version by now (it starts at boot).
            problem = self._wait_healthy(journal.version, journal.boot_before, self._timeout_s)
            if problem is None:
                return self._healthy(journal)
            return self._roll_back(journal, problem)
        return self._roll_back(journal, ("interrupted", "the guard stopped during a rollback"))

    # -- steps ---------------------------------------------------------------------------

    @property
    def _timeout_s(self) -> float:
        return self._settings.health_timeout_s

    def _install(self, command: UpdateCommand) -> Problem | None:
        """Download, verify, install and check; None when the slot is ready to switch to."""
        version, sha256 = command.version, command.sha256
        if self._layout.is_installed(version, sha256):
            log.info("%s is installed already (same SHA-256)", version)
        else:
            self._files.create()
            artifact = self._files.downloads / sha256
            try:
                self._fetcher.fetch(
                    command.url, artifact, sha256=sha256, size_bytes=command.size_bytes
                )
                self._installer.install(artifact, command.filename, self._layout.slot(version))
                self._layout.mark_installed(version, sha256)
            except DownloadError as exc:
                return "download_failed", str(exc)
            except ChecksumMismatch as exc:
                return "sha256_mismatch", f"the download is not the release: {exc}"
            except InstallError as exc:
                return "install_failed", str(exc)
            finally:
                artifact.unlink(missing_ok=True)
        if self._settings.check:
            try:
                self._installer.check(self._layout.slot(version), self._settings.config)
            except CheckFailed as exc:
                return "check_failed", str(exc)
        return None

    def _see_through(self, journal: Journal, timeout_s: float) -> UpdateReportData:
        try:
            self._service.restart()
        except RestartFailed as exc:
            return self._roll_back(journal, ("restart_failed", str(exc)))
        problem = self._wait_healthy(journal.version, journal.boot_before, timeout_s)
        if problem is None:
            return self._healthy(journal)
        return self._roll_back(journal, problem)

    def _healthy(self, journal: Journal) -> UpdateReportData:
        self._files.clear_journal()
        removed = self._layout.prune(
            self._settings.keep, protect={journal.version, journal.from_version}
        )
        if removed:
            log.info("removed old releases: %s", ", ".join(removed))
        log.info("%s is healthy", journal.version)
        return self._report(
            journal.rollout, journal.version, journal.from_version, "healthy", None, None
        )

    def _roll_back(self, journal: Journal, problem: Problem) -> UpdateReportData:
        reason, detail = problem
        log.error("rolling back %s to %s: %s", journal.version, journal.from_version, detail)
        self._files.write_journal(dataclasses.replace(journal, phase="rolling_back"))
        stamp = self._files.read_health()
        self._layout.switch_to(journal.from_version)
        try:
            self._service.restart()
            back = self._wait_healthy(
                journal.from_version, stamp.boot if stamp else None, self._timeout_s
            )
        except RestartFailed as exc:
            back = ("restart_failed", str(exc))
        self._files.clear_journal()
        if back is None:
            detail += f"; back on {journal.from_version}, which is healthy"
        else:
            detail += f"; back on {journal.from_version}, which is not healthy either: {back[1]}"
        return self._report(
            journal.rollout, journal.version, journal.from_version, "rolled_back", reason, detail
        )

    def _wait_healthy(
        self, version: str, boot_before: str | None, timeout_s: float
    ) -> Problem | None:
        """None once ``version`` runs with a new boot, announced and stayed up for the settle
        time; otherwise why not (it ended, or the timeout passed)."""
        deadline = self._clock.monotonic() + timeout_s
        healthy_since: float | None = None
        while True:
            now = self._clock.monotonic()
            state = self._service.state()
            stamp = self._files.read_health()
            fresh = (
                stamp is not None
                and stamp.boot != boot_before
                and stamp.software_version == version
            )
            if not state.running:
                when = (
                    "during its settle time"
                    if healthy_since is not None
                    else "before it was healthy"
                )
                return "service_exited", f"{version} {state.detail} {when}"
            if fresh:
                if healthy_since is None:
                    healthy_since = now
                if now - healthy_since >= self._settings.settle_s:
                    return None
            elif now >= deadline:
                seen = (
                    f" (it reports {stamp.software_version})"
                    if stamp and stamp.boot != boot_before
                    else ""
                )
                return "health_timeout", (
                    f"{version} did not connect and report within {timeout_s:.0f} s{seen}"
                )
            self._sleep(self._settings.poll_s)

    # -- reports -------------------------------------------------------------------------

    def _reporter(
        self, command: UpdateCommand, from_version: str | None
    ) -> Callable[[UpdateState, UpdateReason | None, str | None], UpdateReportData]:
        def report(
            state: UpdateState, reason: UpdateReason | None, detail: str | None
        ) -> UpdateReportData:
            return self._report(
                command.rollout, command.version, from_version, state, reason, detail
            )

        return report

    def _report(
        self,
        rollout: int | None,
        version: str,
        from_version: str | None,
        state: UpdateState,
        reason: UpdateReason | None,
        detail: str | None,
    ) -> UpdateReportData:
        report = UpdateReportData(
            rollout=rollout,
            version=version,
            from_version=from_version,
            state=state,
            reason=reason,
            detail=detail[:500] if detail else None,
        )
        self._files.add_report(report)
        return report
