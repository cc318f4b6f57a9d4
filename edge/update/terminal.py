"""The running terminal's part in software updates.

- On ``cmd/update`` it writes the request for the update guard (``requests/``) and answers
  ``accepted``; or ``healthy`` when it already runs that version (a repeated command is
  harmless), ``failed``/``busy`` while another update is under way, ``failed``/``updates_off``
  when its configuration does not allow updates.
- Once it is connected and has announced itself online it writes its health stamp (version
  and boot): what the guard waits for after a restart.
- It publishes the reports it finds in ``reports/`` (the guard's, and its own answers), oldest
  first, through the spool, and deletes each file once its message is in the spool.

The command arrives on paho's network thread; everything else happens on a thread of its own.
"""

import logging
import os
import queue
import threading
from pathlib import Path

import paho.mqtt.client as paho

from common.clock import Clock
from contract.messages import ContractError
from contract.update_commands import UPDATE_TARGET, UpdateCommand, decode_update_command
from contract.update_data import UpdateReason, UpdateReportData, UpdateState
from edge.command_router import CommandRouter
from edge.publisher import Publisher
from edge.update.files import HealthStamp, UpdateDir

log = logging.getLogger(__name__)

POLL_S = 0.25  # how often the guard's reports (and the online status) are looked for


class TerminalUpdates:
    def __init__(
        self,
        files: UpdateDir,
        publisher: Publisher,
        clock: Clock,
        *,
        enabled: bool,
        poll_s: float = POLL_S,
    ) -> None:
        self._files = files
        self._publisher = publisher
        self._clock = clock
        self._enabled = enabled
        self._poll_s = poll_s
        identity = publisher.builder.identity
        self._version = identity.software_version
        self._boot = identity.boot
        self._commands: queue.SimpleQueue[UpdateCommand] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._wake = threading.Event()  # a command arrived, or close()
        self._thread = threading.Thread(target=self._run, name="updates", daemon=True)

    def attach(self, router: CommandRouter) -> None:
        router.add(UPDATE_TARGET, self.on_message)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def on_message(self, message: paho.MQTTMessage) -> None:
        try:
            command = decode_update_command(bytes(message.payload))
        except ContractError as exc:
            log.warning("ignoring an update command: %s", exc)
            return
        self._commands.put(command)
        self._wake.set()

    def step(self) -> None:
        """One round of the updates thread: answer the commands that arrived, then publish
        the reports waiting in the update directory."""
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                break
            self._handle(command)
        self.publish_reports()

    # -- the updates thread --------------------------------------------------------------

    def _run(self) -> None:
        stamped = False
        while not self._stop.is_set():
            if self._enabled and not stamped and self._publisher.online_announced.is_set():
                stamped = self._stamp()
            try:
                self.step()
            except OSError as exc:  # a full or read-only disk: try again next round
                log.error("software updates: %s", exc)
            self._wake.wait(self._poll_s)
            self._wake.clear()

    def _stamp(self) -> bool:
        try:
            self._files.write_health(
                HealthStamp(
                    software_version=self._version,
                    boot=self._boot,
                    pid=os.getpid(),
                    online_at=self._clock.now().isoformat(),
                )
            )
        except OSError as exc:
            log.error("cannot write the health stamp %s: %s", self._files.health_file, exc)
            return False
        log.info("health stamp written: version %s, boot %s", self._version, self._boot)
        return True

    def _handle(self, command: UpdateCommand) -> None:
        under_way = self._under_way()
        if not self._enabled:
            self._answer(command, "failed", "updates_off", "update.enabled is false")
        elif (command.rollout, command.version) in under_way:
            # The hub sent it again (it had no answer yet): the guard is on it already, and
            # its outcome, not "running already", is the answer.
            log.info("update to %s is under way already", command.version)
        elif under_way:
            self._answer(command, "failed", "busy", "another update is under way")
        elif command.version == self._version:
            self._answer(command, "healthy", None, f"{command.version} is running already")
        else:
            path = self._files.add_request(command)
            log.info("update to %s requested (%s)", command.version, path.name)
            self._answer(command, "accepted", None, None)

    def _under_way(self) -> set[tuple[int | None, str]]:
        """(rollout, version) of the requests waiting for the guard and the update it is in."""
        found: set[tuple[int | None, str]] = set()
        for path in self._files.pending_requests():
            request = self._files.read_request(path)
            if request is not None:
                found.add((request.rollout, request.version))
        journal = self._files.read_journal()
        if journal is not None:
            found.add((journal.rollout, journal.version))
        return found

    def _answer(
        self,
        command: UpdateCommand,
        state: UpdateState,
        reason: UpdateReason | None,
        detail: str | None,
    ) -> None:
        report = UpdateReportData(
            rollout=command.rollout,
            version=command.version,
            from_version=self._version,
            state=state,
            reason=reason,
            detail=detail,
        )
        self._files.add_report(report)

    def publish_reports(self) -> int:
        """Put every waiting report into the spool, oldest first; how many."""
        sent = 0
        for path, report in self._files.pending_reports():
            if report is not None:
                self._send(report)
                sent += 1
            else:
                log.warning("dropping %s: not an update report", path.name)
            _remove(path)
        return sent

    def _send(self, report: UpdateReportData) -> None:
        builder = self._publisher.builder
        self._publisher.send(lambda: builder.update_report(report, self._clock.now()))
        log.info("update report: %s %s %s", report.version, report.state, report.reason or "")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
