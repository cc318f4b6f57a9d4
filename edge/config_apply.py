"""Applying a pushed configuration: check it, try it, keep it or go back, and say so.

One attempt, in order (each step's failure ends it with the outcome named):

1. The version already runs: ``applied``, nothing restarts (a repeated push is harmless).
2. Checks that change nothing: the terminal runs from a file (else ``rejected``,
   ``no_config_file``); the text is a valid configuration (``invalid``) for this terminal,
   room and topic prefix (``wrong_terminal``) whose credentials and TLS files resolve here
   (``setup_failed``); it can be written next to the configuration file (``not_writable``).
3. The running configuration stops (its pins, spool and connection are let go) and the
   candidate is built: sensors, spool (``rolled_back``, ``setup_failed``).
4. The candidate runs and must pass its health check within the timeout: the broker takes
   its connection (``broker_unreachable``) and a first heartbeat (``no_heartbeat``).
5. The candidate becomes the configuration file, the old one ``.last-good``: ``applied``.

Rolling back builds and starts the previous configuration again (from memory: the file was
not touched) and keeps the candidate as ``.failed``. If even that fails, :class:`RollbackFailed`
ends the process with an error, and a service manager starts it again from the file, which
is still the last good configuration.

The report goes out through whichever runtime runs at the end, so it waits in that runtime's
spool until the hub has it. Everything here is logic over injected parts (the runtime factory,
the files, the health timeout), so tests drive it with fakes.
"""

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from contract.commands import ConfigCommand
from contract.config_loader import ConfigError, parse_terminal_config
from contract.config_push import (
    MAX_DETAIL_CHARS,
    ConfigOutcome,
    ConfigReason,
    ConfigReportData,
)
from contract.terminal_config import TerminalConfig
from edge.config_files import ConfigFiles
from edge.runtime import LoadedConfig, SetupError

log = logging.getLogger(__name__)


class RuntimeLike(Protocol):
    """What the applier needs of a running configuration (``edge.runtime.Runtime``)."""

    loaded: LoadedConfig

    def start(self, on_exit: Callable[[Any], None]) -> None: ...

    def stop(self, reason: str = "shutdown") -> None: ...

    def check_health(
        self, timeout_s: float, cancel: threading.Event | None = None
    ) -> tuple[ConfigReason, str] | None: ...

    def report(self, data: ConfigReportData) -> None: ...


#: Builds a runtime for a configuration; raises ``SetupError`` (nothing left open).
Build = Callable[[LoadedConfig], RuntimeLike]
#: Problems known before touching hardware (``edge.runtime.preflight``).
Preflight = Callable[[TerminalConfig, str, Mapping[str, str]], list[str]]


class RollbackFailed(RuntimeError):
    """Neither the pushed configuration nor the previous one could be started again."""


@dataclass(frozen=True)
class Attempt:
    runtime: RuntimeLike  # what runs now
    report: ConfigReportData


class ConfigApplier:
    def __init__(
        self,
        *,
        files: ConfigFiles | None,
        build: Build,
        preflight: Preflight,
        environ: Mapping[str, str],
        health_timeout_s: float,
        on_exit: Callable[[Any], None],
        cancel: threading.Event | None = None,
    ) -> None:
        self._files = files
        self._build = build
        self._preflight = preflight
        self._environ = environ
        self._health_timeout_s = health_timeout_s
        self._on_exit = on_exit  # handed to every runtime started here
        self._cancel = cancel

    def apply(self, current: RuntimeLike, command: ConfigCommand) -> RuntimeLike:
        """Try ``command``'s configuration; report the outcome; return what runs now."""
        attempt = self.attempt(current, command)
        report = attempt.report
        level = logging.INFO if report.outcome == "applied" else logging.ERROR
        log.log(
            level,
            "configuration %s %s%s",
            report.version,
            report.outcome.replace("_", " "),
            f" ({report.reason}): {report.detail}" if report.reason else "",
        )
        attempt.runtime.report(report)
        return attempt.runtime

    def reject(self, current: RuntimeLike, version: str, reason: ConfigReason, detail: str) -> None:
        """Report a push that could not even be read (a bad payload naming its version)."""
        current.report(_report(version, "rejected", current, reason, detail))

    def attempt(self, current: RuntimeLike, command: ConfigCommand) -> Attempt:
        version = command.version
        if version == current.loaded.version:
            return Attempt(current, _report(version, "applied", current))
        refusal = self._refusal(current, command)
        if isinstance(refusal, tuple):
            return Attempt(current, _report(version, "rejected", current, *refusal))
        candidate_config = refusal
        files = self._files
        assert files is not None  # _refusal said no_config_file otherwise
        loaded = LoadedConfig(candidate_config, version, str(files.path), files.path)
        current.stop("reconfigure")
        try:
            candidate = self._build(loaded)
        except SetupError as exc:
            return self._roll_back(current, version, "setup_failed", "\n".join(exc.problems))
        except Exception as exc:  # a fault nobody foresaw must not leave the room unsensed
            log.exception("building configuration %s failed", version)
            return self._roll_back(current, version, "setup_failed", f"{type(exc).__name__}: {exc}")
        candidate.start(self._on_exit)
        failure = candidate.check_health(self._health_timeout_s, self._cancel)
        if failure is None:
            try:
                files.promote()
            except OSError as exc:
                failure = ("not_writable", f"cannot replace {files.path}: {exc}")
        if failure is not None:
            candidate.stop("reconfigure")
            return self._roll_back(current, version, *failure)
        return Attempt(candidate, _report(version, "applied", candidate))

    def _refusal(
        self, current: RuntimeLike, command: ConfigCommand
    ) -> TerminalConfig | tuple[ConfigReason, str]:
        """The candidate's configuration, or why it is refused without changing anything."""
        if self._files is None:
            return "no_config_file", "this terminal runs without a configuration file"
        name = f"{self._files.path} (pushed {command.version})"
        try:
            config = parse_terminal_config(command.yaml, name)
        except ConfigError as exc:
            return "invalid", "\n".join(str(p) for p in exc.problems)
        running = current.loaded.config
        if (config.terminal.id, config.room.id) != (running.terminal.id, running.room.id):
            return "wrong_terminal", (
                f"it is for terminal {config.terminal.id!r} in room {config.room.id!r}; "
                f"this is {running.terminal.id!r} in {running.room.id!r}"
            )
        if config.mqtt.prefix != running.mqtt.prefix:
            # The broker would take its heartbeats, but the hub that pushed would not hear them.
            return "wrong_terminal", (
                f"it moves the terminal to topic prefix {config.mqtt.prefix!r}, away from "
                f"{running.mqtt.prefix!r} where the hub that pushed it listens"
            )
        problems = self._preflight(config, name, self._environ)
        if problems:
            return "setup_failed", "\n".join(problems)
        try:
            self._files.write_candidate(command.yaml.encode("utf-8"))
        except OSError as exc:
            return "not_writable", f"cannot write {self._files.candidate}: {exc}"
        return config

    def _roll_back(
        self, stopped: RuntimeLike, version: str, reason: ConfigReason, detail: str
    ) -> Attempt:
        log.error("configuration %s failed (%s): %s; going back", version, reason, detail)
        if self._files is not None:
            self._files.keep_failed()
        try:
            previous = self._build(stopped.loaded)
        except Exception as exc:
            why = "; ".join(exc.problems) if isinstance(exc, SetupError) else repr(exc)
            raise RollbackFailed(
                f"configuration {version} failed ({detail}), and the previous one "
                f"{stopped.loaded.version} cannot start again: {why}"
            ) from exc
        previous.start(self._on_exit)
        return Attempt(previous, _report(version, "rolled_back", previous, reason, detail))


def _report(
    version: str,
    outcome: ConfigOutcome,
    running: RuntimeLike,
    reason: ConfigReason | None = None,
    detail: str | None = None,
) -> ConfigReportData:
    if detail is not None and len(detail) > MAX_DETAIL_CHARS:
        detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
    return ConfigReportData(
        version=version,
        outcome=outcome,
        reason=reason,
        detail=detail,
        running_version=running.loaded.version or None,
    )
