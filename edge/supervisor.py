"""The terminal process: runs one configuration at a time, and another when the hub pushes it.

The main thread waits here for three things: a stop (SIGTERM, Ctrl-C), a configuration
command (``cmd/config``, decoded on paho's thread and handed over), or the running
configuration ending by itself (an error: the process exits 1 and the service manager
starts it again). Configurations are applied one after another, in the order they came
(edge/config_apply.py).

systemd hears ``READY=1`` from every runtime that starts (repeating it is harmless) but
``STOPPING=1`` only when the process stops, not while one configuration replaces another.
"""

import logging
import queue
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import paho.mqtt.client as paho

from contract.commands import CONFIG_TARGET, ConfigCommand, decode_config_command
from contract.config_push import VERSION_PATTERN
from contract.messages import ContractError
from edge.command_router import Handler
from edge.config_apply import ConfigApplier, Preflight, RollbackFailed, RuntimeLike
from edge.config_files import ConfigFiles
from edge.runner import Notifier
from edge.runtime import LoadedConfig

log = logging.getLogger(__name__)

#: Builds a runtime for a configuration, with these extra command handlers.
BuildWith = Callable[[LoadedConfig, Mapping[str, Handler]], RuntimeLike]


@dataclass(frozen=True)
class _Stop:
    pass


@dataclass(frozen=True)
class _Exited:
    runtime: Any


@dataclass(frozen=True)
class _Unreadable:
    """A configuration command that did not decode, but named the version it carried."""

    version: str
    detail: str


class SupervisedNotifier:
    """systemd's notifier as each runtime sees it: STOPPING only when the process stops."""

    def __init__(self, inner: Notifier | None) -> None:
        self._inner = inner
        self.final = False

    def ready(self, status: str | None = None) -> bool:
        return self._inner.ready(status) if self._inner is not None else False

    def stopping(self) -> bool:
        if self._inner is None or not self.final:
            return False
        return self._inner.stopping()


class Supervisor:
    def __init__(
        self,
        initial: LoadedConfig,
        *,
        build: BuildWith,
        files: ConfigFiles | None,
        preflight: Preflight,
        environ: Mapping[str, str],
        health_timeout_s: float,
        notifier: SupervisedNotifier,
    ) -> None:
        self._initial = initial
        self._build_with = build
        self._notifier = notifier
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._current: RuntimeLike | None = None
        self._applier = ConfigApplier(
            files=files,
            build=self._build,
            preflight=preflight,
            environ=environ,
            health_timeout_s=health_timeout_s,
            on_exit=self._exited,
            cancel=self._stopping,
        )

    @property
    def current(self) -> RuntimeLike | None:
        return self._current

    def start(self) -> None:
        """Build and start the first configuration; raises ``SetupError`` (exit 1)."""
        self._current = self._build(self._initial)
        self._current.start(self._exited)

    def run(self) -> int:
        """Until :meth:`stop`: the process's exit code (1: the terminal could not go on)."""
        while True:
            item = self._inbox.get()
            if isinstance(item, _Stop):
                break
            if isinstance(item, _Exited):
                if item.runtime is self._current:  # not stopped by us: it failed
                    log.error("the terminal stopped unexpectedly; exiting")
                    self._finish()
                    return 1
                continue
            current = self._current
            assert current is not None
            if isinstance(item, _Unreadable):
                self._applier.reject(current, item.version, "invalid", item.detail)
                continue
            assert isinstance(item, ConfigCommand)
            try:
                self._current = self._applier.apply(current, item)
            except RollbackFailed as exc:
                log.critical("%s; exiting (the file still holds the last good one)", exc)
                self._current = None
                self._finish()
                return 1
        self._finish()
        return 0

    def stop(self) -> None:
        """Stop after the current step (any thread; from a signal, via a thread)."""
        self._stopping.set()
        self._inbox.put(_Stop())

    def on_config_message(self, message: paho.MQTTMessage) -> None:
        """The ``cmd/config`` handler (paho's thread): decode, hand over, never wait."""
        payload = bytes(message.payload)
        try:
            command = decode_config_command(payload)
        except ContractError as exc:
            version = _version_in(payload)
            log.warning("a configuration command that does not decode: %s", exc)
            if version is not None:
                self._inbox.put(_Unreadable(version, f"the command does not decode: {exc}"))
            return
        log.info("configuration %s pushed by the hub", command.version)
        self._inbox.put(command)

    def _build(self, loaded: LoadedConfig) -> RuntimeLike:
        return self._build_with(loaded, {CONFIG_TARGET: self.on_config_message})

    def _exited(self, runtime: Any) -> None:
        self._inbox.put(_Exited(runtime))

    def _finish(self) -> None:
        self._notifier.final = True
        if self._current is not None:
            self._current.stop("shutdown")
        else:
            self._notifier.stopping()


def _version_in(payload: bytes) -> str | None:
    """The version a bad configuration command names, if it names a well-formed one."""
    try:
        raw = orjson.loads(payload)
        version = raw["command"]["version"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if isinstance(version, str) and re.match(VERSION_PATTERN, version):
        return version
    return None
