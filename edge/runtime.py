"""One configuration running: sensors, occupancy engine, spool, MQTT link, agent and speech.

``edge.cli`` builds what outlives a configuration (clocks, the pin factory, a simulated world:
:class:`Platform`) and the command line's choices (:class:`RunOptions`); :func:`build_runtime`
builds everything that depends on the configuration. A pushed configuration replaces the
runtime in the same process (edge/supervisor.py): the old one stops, releasing its pins and
its spool, and the new one is built and started; if it does not work, the old one is built
again. Each runtime is a new boot (its own ``(device, boot, seq)`` ledger), like a restart.

Building raises :class:`SetupError` with what to fix, and leaves nothing open behind it.
"""

import hashlib
import logging
import os
import queue
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from common.clock import Clock
from common.mqtt import BrokerAddress
from common.sd_notify import SystemdNotifier, Watchdog
from common.sealing.master_keys import MasterKeyError
from contract.config_push import ConfigReason, ConfigReportData
from contract.envelope import new_boot_id
from contract.terminal_config import TerminalConfig, default_spool_path
from edge.agent import Agent
from edge.co2.hardware import open_co2_sensors
from edge.co2.poller import Co2Poller
from edge.command_router import Handler
from edge.counter_poller import CounterPoller
from edge.counting.hardware import open_counters
from edge.credentials import CredentialError, check_tls_files, resolve_secret
from edge.fusion.sessions import Played
from edge.link import SpoolSettings, TerminalLink, open_link
from edge.occupancy_engine import build_engine
from edge.publisher import Identity, MessageBuilder, Sequencer
from edge.runner import Notifier, Terminal
from edge.scenario import ScenarioError, check_against_config
from edge.sensors import EventQueue, SensorBank, SensorSetupError
from edge.signal_pollers import SignalPoller
from edge.simulation import Simulation
from edge.speech_runtime import SpeechRuntime, SpeechUnavailable, load_speech
from edge.spool import SpoolLocked
from edge.spool_sealing import SpoolKeyMismatch

log = logging.getLogger("edge")

# How often a health check looks at the first heartbeat's receipt (real seconds).
HEALTH_POLL_S = 0.05


class Service(Protocol):
    """Something more a runtime runs beside the terminal (software updates: edge/update)."""

    def start(self) -> None: ...

    def close(self) -> None: ...


#: Makes such a service for a runtime: its configuration, its link to the hub, its clock.
AddOn = Callable[[TerminalConfig, TerminalLink, Clock], Service]


class SetupError(Exception):
    """A configuration cannot run here (sensors, spool, credentials); says what to fix."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class LoadedConfig:
    config: TerminalConfig
    version: str  # contract.config_push.config_version of the file's bytes
    source: str  # the file's path (or "session:<name>")
    path: Path | None = None  # the file, if the terminal runs from one


@dataclass(frozen=True)
class RunOptions:
    """The command line's choices: they hold for every configuration the terminal runs."""

    broker_host: str | None = None
    broker_port: int | None = None
    prefix: str | None = None
    spool: Path | None = None
    speech_from: Path | None = None
    speech_realtime: bool = False


@dataclass
class Platform:
    """What outlives a configuration: the clocks, the pin factory, a simulated world."""

    clock: Clock
    pin_factory: Any
    environ: Mapping[str, str]
    software_version: str | None = None
    sim: Simulation | None = None
    played: Played | None = None
    # systemd's socket (no-op without systemd): the watchdog pings from every runtime's loop;
    # READY and STOPPING go through ``notifier``, which the supervisor owns.
    systemd: SystemdNotifier = field(default_factory=SystemdNotifier)
    notifier: Notifier | None = None


def preflight(cfg: TerminalConfig, source: str, environ: Mapping[str, str]) -> list[str]:
    """What can be known wrong before touching any hardware: an impossible heartbeat, a
    password reference that resolves to nothing, TLS files that cannot be read."""
    if cfg.occupancy.heartbeat <= 0:
        return [f"{source}: occupancy.heartbeat must be more than 0 s"]
    try:
        resolve_secret(cfg.mqtt.password, environ)
        check_tls_files(cfg.mqtt.ca_file, cfg.mqtt.cert_file, cfg.mqtt.key_file)
    except CredentialError as exc:
        return [str(exc)]
    return []


class Runtime:
    """A built configuration; :meth:`start` runs it on a thread of its own."""

    def __init__(
        self,
        loaded: LoadedConfig,
        terminal: Terminal,
        link: TerminalLink,
        agent: Agent,
        address: BrokerAddress,
        clock: Clock,
        services: Sequence[Service] = (),
    ) -> None:
        self.loaded = loaded
        self._services = list(services)
        self._terminal = terminal
        self._link = link
        self._agent = agent
        self._address = address
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, on_exit: Callable[["Runtime"], None]) -> None:
        """Run in the background; ``on_exit(self)`` when the run ends, for whatever reason."""

        def run() -> None:
            try:
                for service in self._services:
                    service.start()
                self._terminal.run(self._stop)
            except BaseException as exc:  # the supervisor decides what a failed run means
                self.error = exc
                log.exception("the terminal's loop stopped with an error")
            finally:
                for service in self._services:
                    service.close()
                on_exit(self)

        self._thread = threading.Thread(target=run, name="terminal", daemon=True)
        self._thread.start()

    def stop(self, reason: str = "shutdown") -> None:
        """Stop and wait: pins, spool and broker connection are released when it returns."""
        self._terminal.offline_reason = reason
        self._stop.set()
        self._agent.wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def check_health(
        self, timeout_s: float, cancel: threading.Event | None = None
    ) -> tuple[ConfigReason, str] | None:
        """None once the broker took the connection and a first heartbeat; else why not.

        ``cancel`` (the terminal is asked to stop) ends the wait early, as ``interrupted``.
        """
        deadline = time.monotonic() + timeout_s
        where = f"{self._address.host}:{self._address.port}"
        asked = False
        while time.monotonic() < deadline:
            if cancel is not None and cancel.is_set():
                return "interrupted", "the terminal was asked to stop while trying it"
            if self._thread is not None and not self.running:
                return "setup_failed", f"the terminal stopped: {self.error or 'no reason given'}"
            if self._link.connection.connected:
                if not asked:  # connected: now a heartbeat must get through
                    self._agent.heartbeat_soon()
                    asked = True
                receipt = self._agent.last_heartbeat
                if receipt is not None and receipt.is_published():
                    return None
            time.sleep(HEALTH_POLL_S)
        if not asked:
            return "broker_unreachable", f"no broker connection to {where} in {timeout_s:g} s"
        return "no_heartbeat", f"the broker at {where} took no heartbeat in {timeout_s:g} s"

    def report(self, data: ConfigReportData) -> None:
        """Send a ``config`` message through the spool (any thread)."""
        builder = self._link.publisher.builder
        self._link.publisher.send(partial(builder.config_report, data, self._clock.now()))


def build_runtime(
    loaded: LoadedConfig,
    options: RunOptions,
    platform: Platform,
    commands: Mapping[str, Handler] | None = None,
    add_ons: Sequence[AddOn] = (),
) -> Runtime:
    """Open the sensors and the spool and wire the rest; nothing connects until it starts.

    ``commands``: more handlers for command targets (``config``); ``add_ons``: services to
    run beside the terminal. Raises :class:`SetupError`; whatever was opened by then is
    closed again.
    """
    cfg, source, clock = loaded.config, loaded.source, platform.clock
    problems = preflight(cfg, source, platform.environ)
    if problems:
        raise SetupError(*problems)
    password = resolve_secret(cfg.mqtt.password, platform.environ)
    sim = platform.sim
    if sim is not None and sim.scenario is not None:
        try:
            check_against_config(sim.scenario, cfg, source)
        except ScenarioError as exc:
            raise SetupError(*(str(p) for p in exc.problems)) from exc
    with ExitStack() as undo:
        events: EventQueue = queue.Queue()
        try:
            sensors = SensorBank(cfg.sensors, platform.pin_factory, clock, events)
        except SensorSetupError as exc:
            raise SetupError(str(exc)) from exc
        undo.callback(sensors.close)
        engine = build_engine(cfg, clock.monotonic(), sensors.active_now())
        identity = Identity(
            prefix=options.prefix or cfg.mqtt.prefix,
            room_id=cfg.room.id,
            device_id=cfg.terminal.id,
            boot=new_boot_id(),
            software_version=platform.software_version,
            config_version=loaded.version,
        )
        builder = MessageBuilder(identity, Sequencer())
        address = BrokerAddress(
            host=options.broker_host or cfg.mqtt.host,
            port=options.broker_port or cfg.mqtt.port,
            protocol=cfg.mqtt.protocol,
            keepalive_s=cfg.mqtt.keepalive,
            username=cfg.mqtt.username,
            password=password,
            tls=cfg.mqtt.tls,
            ca_file=cfg.mqtt.ca_file,
            cert_file=cfg.mqtt.cert_file,
            key_file=cfg.mqtt.key_file,
        )
        path = options.spool or spool_path(cfg, source, sim is not None, address, identity.prefix)
        settings = SpoolSettings(
            path,
            max_messages=cfg.spool.max_messages,
            max_bytes=int(cfg.spool.max_mb * 1024 * 1024),
            resend_after=cfg.spool.resend_after,
            key_file=Path(cfg.spool.key_file) if cfg.spool.key_file else None,
        )
        try:
            link = open_link(builder, address, settings, clock)
        except (SpoolLocked, SpoolKeyMismatch, MasterKeyError) as exc:
            raise SetupError(str(exc)) from exc
        except (OSError, sqlite3.Error) as exc:
            raise SetupError(
                f"cannot open the spool {path}: {exc} (choose another with --spool PATH)"
            ) from exc
        undo.callback(link.spool.close)
        for target, handler in (commands or {}).items():
            link.commands.add(target, handler)
        tz = ZoneInfo(cfg.room.timezone)
        pollers: list[SignalPoller] = []
        if engine.hears_counts:  # fusion: people counters about once a second, CO2 every 30 s
            found = (
                sim.counters(cfg)
                if sim
                else open_counters(cfg.sensors, platform.pin_factory, clock, tz)
            )
            pollers.append(CounterPoller(found, clock.monotonic()))
            undo.callback(pollers[-1].close)
            if not sim:  # a session simulation plays its own CO2
                pollers.append(Co2Poller(open_co2_sensors(cfg.sensors, clock), clock.monotonic()))
                undo.callback(pollers[-1].close)
        # Under systemd (Type=notify, WatchdogSec=): pings from the loop while delivery works.
        watchdog = Watchdog(platform.systemd, [link.deliverer.health])
        agent = Agent(
            engine,
            link.publisher,
            events,
            clock,
            cfg.occupancy.heartbeat,
            tz,
            pollers,
            tick=watchdog.beat,
            max_wait_s=watchdog.interval_s,
        )
        player = sim.player(cfg, sensors, link.publisher, agent, tz) if sim else None
        log.info(
            "terminal %s (room %s) -> %s:%s prefix %s, boot %s, config %s, spool %s "
            "(%d unconfirmed)",
            cfg.terminal.id,
            cfg.room.id,
            address.host,
            address.port,
            identity.prefix,
            identity.boot,
            loaded.version,
            path,
            link.spool.pending,
        )
        speech = None
        if platform.played is None:  # a session plays its own speech flag
            speech = _speech(cfg, link, agent, clock, options, platform.pin_factory)
        services = [add_on(cfg, link, clock) for add_on in add_ons]
        terminal = Terminal(
            link.connection,
            link.publisher,
            agent,
            sensors,
            player,
            delivery=link.deliverer,
            spool=link.spool,
            speech=speech,
            pollers=pollers,
            notifier=platform.notifier,
            services=services,  # closed before the spool, at the start of its shutdown
        )
        undo.pop_all()  # built: from now on the terminal's shutdown closes them
    return Runtime(loaded, terminal, link, agent, address, clock, services)


def _speech(
    cfg: TerminalConfig,
    link: TerminalLink,
    agent: Agent,
    clock: Clock,
    options: RunOptions,
    pin_factory: Any,
) -> SpeechRuntime | None:
    """Minutes sessions, when configured (or --speech-from); without them if speech cannot run."""
    if not cfg.speech.enabled and options.speech_from is None:
        return None
    try:
        speech = load_speech(
            cfg.speech,
            link.publisher,
            clock,
            speech_from=options.speech_from,
            pin_factory=pin_factory,
            realtime=options.speech_realtime,
            on_activity=agent.speech_changed,  # occupancy hears the flag in-process
        )
    except SpeechUnavailable as exc:
        # Occupancy matters more than minutes: keep sensing, and say why speech is off.
        log.error("speech is off: %s", exc)
        return None
    speech.attach(link.commands)
    log.info(
        "speech on: model %s, %s%s",
        cfg.speech.model,
        f"audio from {options.speech_from}" if options.speech_from else "microphone",
        "; RECORDING AUDIO TO DISK (speech.record_audio)" if cfg.speech.record_audio else "",
    )
    return speech


def spool_path(
    cfg: TerminalConfig, source: str, simulated: bool, address: BrokerAddress, prefix: str
) -> Path:
    if cfg.spool.path is not None:
        return Path(cfg.spool.path)
    if not simulated:
        return Path(default_spool_path(cfg.terminal.id))
    # A simulated terminal keeps its spool across restarts of the same set-up (config file,
    # broker, prefix), but never re-publishes another test's or demo's messages.
    setup = f"{source}|{address.host}:{address.port}|{prefix}"
    key = hashlib.sha256(setup.encode()).hexdigest()[:12]
    directory = Path(tempfile.gettempdir()) / f"quorum-spool-{os.getuid()}"
    return directory / f"{cfg.terminal.id}-{key}.sqlite"
