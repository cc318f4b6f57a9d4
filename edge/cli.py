"""Command line of the room terminal, and its composition root.

``run`` is the only place where real adapters (clock, pin factory, MQTT
connection, environment) are built; everything else receives them.
Exit codes: 0 success, 1 bad input (the message says what to fix), 2 usage.
"""

import hashlib
import json
import logging
import os
import queue
import signal
import sqlite3
import sys
import tempfile
import threading
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer

from common.clock import Clock, SystemClock
from common.mqtt import BrokerAddress
from contract.config_loader import ConfigError, load_terminal_config
from contract.envelope import new_boot_id
from contract.terminal_config import TerminalConfig, default_spool_path
from edge.agent import Agent
from edge.calibrate_cli import app as calibrate_app
from edge.co2.hardware import open_co2_sensors
from edge.co2.poller import Co2Poller
from edge.counter_poller import CounterPoller
from edge.counting.hardware import open_counters
from edge.credentials import CredentialError, resolve_secret
from edge.fusion.sessions import Played, SessionError
from edge.link import SpoolSettings, TerminalLink, open_link
from edge.occupancy_engine import build_engine
from edge.publisher import Identity, MessageBuilder, Sequencer
from edge.runner import Terminal
from edge.scenario import (
    ScenarioError,
    shipped_scenarios,
)
from edge.sensors import (
    EventQueue,
    HardwareUnavailable,
    SensorBank,
    SensorSetupError,
    raspberry_pi_pin_factory,
)
from edge.session_player import load_played
from edge.signal_pollers import SignalPoller
from edge.simulation import Simulation, simulate_scenario, simulate_session
from edge.speech_runtime import SpeechRuntime, SpeechUnavailable, load_speech
from edge.spool import SpoolLocked
from edge.validation import summary, validate_report

log = logging.getLogger("edge")

# Tracebacks with local variables could show the broker password: keep them plain.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Quorum room terminal: senses occupancy and publishes it over MQTT.",
)
app.add_typer(calibrate_app, name="calibrate")


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


@app.command()
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="Terminal config files (firmware_configs/*.yaml).")
    ],
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout.")
    ] = False,
) -> None:
    """Check terminal config files; print every problem as FILE:LINE: field: message."""
    report, problems = validate_report(files)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(json.dumps(report) if json_output else summary(report))
    raise typer.Exit(0 if report["valid"] else 1)


@app.command()
def scenarios(
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout.")
    ] = False,
) -> None:
    """List the scenarios shipped with the terminal (for --simulate NAME)."""
    found = shipped_scenarios()
    if json_output:
        print(json.dumps([{"name": n, "description": d} for n, d in found.items()]))
        return
    for name, description in found.items():
        print(f"{name}\n    {description}")


@app.command()
def run(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="The terminal's config file.")
    ] = None,
    simulate: Annotated[
        str | None,
        typer.Option(
            metavar="SCENARIO",
            help="No hardware: drive mock pins from a scenario file or shipped name.",
        ),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="No hardware: play a labelled fusion session (a file or a shipped name, "
            "edge/fusion/sessions/library) in its own room; instead of --config and --simulate.",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="With --session: which play of it (default 0).")
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="With --simulate or --session: run time this many times faster until caught up.",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="With --simulate or --session: start time, ISO-8601 with offset or -2h, -1d "
            "(default: now; with --session, so that the session ends now).",
        ),
    ] = None,
    broker_host: Annotated[str | None, typer.Option(help="Overrides mqtt.host.")] = None,
    broker_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Overrides mqtt.port.")
    ] = None,
    prefix: Annotated[str | None, typer.Option(help="Overrides mqtt.prefix (topic root).")] = None,
    spool: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="The outbox file (overrides spool.path). Default: spool.path, else "
            "/var/lib/quorum/spool-<terminal>.sqlite; with --simulate a file per terminal "
            "in the temporary directory.",
        ),
    ] = None,
    speech_from: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Minutes sessions transcribe this audio file instead of the microphone "
            "(demos, tests); turns speech on even if the config leaves it off.",
        ),
    ] = None,
    speech_realtime: Annotated[
        bool,
        typer.Option(
            "--speech-realtime",
            help="Play the --speech-from file at its own pace, like a microphone (so a "
            "session can be paused part-way); default: as fast as it is transcribed.",
        ),
    ] = False,
    log_level: Annotated[LogLevel, typer.Option(case_sensitive=False)] = LogLevel.info,
) -> None:
    """Run the terminal: read sensors, publish occupancy until SIGTERM or Ctrl-C."""
    if session is not None and (config, simulate, speech_from) != (None, None, None):
        raise typer.BadParameter(
            "--session plays in the session's own room: leave out --config, --simulate and "
            "--speech-from (--broker-host, --broker-port and --prefix still apply)"
        )
    if session is None and config is None:
        raise typer.BadParameter("--config FILE is needed (or --session NAME)")
    if simulate is None and session is None and (speed is not None or start is not None):
        raise typer.BadParameter("--speed and --start only go with --simulate or --session")
    if seed is not None and session is None:
        raise typer.BadParameter("--seed only goes with --session NAME")
    if prefix is not None and (
        not prefix or any(c in prefix for c in "+#\0") or prefix.startswith("/")
    ):
        raise typer.BadParameter(
            "the prefix must be non-empty, must not start with '/' or contain + or #"
        )
    _setup_logging(log_level)
    played: Played | None = None
    if session is not None:
        played, cfg = _load_session(session, seed or 0)
        source, config_bytes = f"session:{played.loaded.source}", cfg.model_dump_json().encode()
    else:
        assert config is not None
        cfg = _load_config(config)
        source, config_bytes = str(config.resolve()), config.read_bytes()
    if cfg.occupancy.heartbeat <= 0:
        _fail(f"{source}: occupancy.heartbeat must be more than 0 s")
    try:
        password = resolve_secret(cfg.mqtt.password, os.environ)
    except CredentialError as exc:
        _fail(str(exc))
    real = SystemClock()
    clock: Clock = real
    sim: Simulation | None = None
    try:
        if simulate is not None:
            sim = simulate_scenario(simulate, cfg, str(config), start, speed or 1.0, real)
        elif played is not None:
            sim = simulate_session(played, cfg, start, speed or 1.0, real)
        if sim is not None:
            clock, pin_factory = sim.clock, sim.pin_factory
        else:
            pin_factory = raspberry_pi_pin_factory()
    except ScenarioError as exc:
        _fail(*(str(p) for p in exc.problems))
    except (ValueError, HardwareUnavailable) as exc:
        _fail(str(exc))

    events: EventQueue = queue.Queue()
    try:
        sensors = SensorBank(cfg.sensors, pin_factory, clock, events)
    except SensorSetupError as exc:
        _fail(str(exc))
    engine = build_engine(cfg, clock.monotonic(), sensors.active_now())
    identity = Identity(
        prefix=prefix or cfg.mqtt.prefix,
        room_id=cfg.room.id,
        device_id=cfg.terminal.id,
        boot=new_boot_id(),
        software_version=_software_version(),
        config_version=hashlib.sha256(config_bytes).hexdigest()[:12],
    )
    builder = MessageBuilder(identity, Sequencer())
    address = BrokerAddress(
        host=broker_host or cfg.mqtt.host,
        port=broker_port or cfg.mqtt.port,
        protocol=cfg.mqtt.protocol,
        keepalive_s=cfg.mqtt.keepalive,
        username=cfg.mqtt.username,
        password=password,
        tls=cfg.mqtt.tls,
    )
    spool_path = spool or _spool_path(cfg, source, sim is not None, address, identity.prefix)
    spool_settings = SpoolSettings(
        spool_path,
        max_messages=cfg.spool.max_messages,
        max_bytes=int(cfg.spool.max_mb * 1024 * 1024),
        resend_after=cfg.spool.resend_after,
    )
    try:
        link = open_link(builder, address, spool_settings, clock)
    except SpoolLocked as exc:
        _fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        _fail(f"cannot open the spool {spool_path}: {exc} (choose another with --spool PATH)")
    tz = ZoneInfo(cfg.room.timezone)
    pollers: list[SignalPoller] = []
    if engine.hears_counts:  # fusion: people counters about once a second, CO2 every 30 s
        found = sim.counters(cfg) if sim else open_counters(cfg.sensors, pin_factory, clock, tz)
        pollers.append(CounterPoller(found, clock.monotonic()))
        if not sim:  # a session simulation plays its own CO2
            pollers.append(Co2Poller(open_co2_sensors(cfg.sensors, clock), clock.monotonic()))
    agent = Agent(engine, link.publisher, events, clock, cfg.occupancy.heartbeat, tz, pollers)
    player = sim.player(cfg, sensors, link.publisher, agent, tz) if sim else None
    log.info(
        "terminal %s (room %s) -> %s:%s prefix %s, boot %s, spool %s (%d unconfirmed)",
        cfg.terminal.id,
        cfg.room.id,
        address.host,
        address.port,
        identity.prefix,
        identity.boot,
        spool_path,
        link.spool.pending,
    )
    speech = None
    if played is None:  # a session plays its own speech flag
        speech = _speech(cfg, link, agent, clock, speech_from, pin_factory, speech_realtime)
    stop = threading.Event()
    _stop_on_signals(stop, agent)
    Terminal(
        link.connection,
        link.publisher,
        agent,
        sensors,
        player,
        delivery=link.deliverer,
        spool=link.spool,
        speech=speech,
        pollers=pollers,
    ).run(stop)


def _speech(
    cfg: TerminalConfig,
    link: TerminalLink,
    agent: Agent,
    clock: Clock,
    speech_from: Path | None,
    pin_factory: Any,
    realtime: bool = False,
) -> SpeechRuntime | None:
    """Minutes sessions, when configured (or --speech-from); without them if speech cannot run."""
    if not cfg.speech.enabled and speech_from is None:
        return None
    try:
        speech = load_speech(
            cfg.speech,
            link.publisher,
            clock,
            speech_from=speech_from,
            pin_factory=pin_factory,
            realtime=realtime,
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
        f"audio from {speech_from}" if speech_from else "microphone",
        "; RECORDING AUDIO TO DISK (speech.record_audio)" if cfg.speech.record_audio else "",
    )
    return speech


def _load_session(reference: str, seed: int) -> tuple[Played, TerminalConfig]:
    try:
        return load_played(reference, seed)
    except SessionError as exc:
        _fail(*(str(p) for p in exc.problems))


def _spool_path(
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


def _load_config(path: Path) -> TerminalConfig:
    try:
        return load_terminal_config(path)
    except ConfigError as exc:
        _fail(*(str(p) for p in exc.problems))


def _stop_on_signals(stop: threading.Event, agent: Agent) -> None:
    def handle(signum: int, frame: object) -> None:
        log.info("received %s; shutting down", signal.Signals(signum).name)
        stop.set()
        # Not agent.wake() here: putting on the queue from a signal handler can
        # deadlock on the lock the interrupted main thread may hold.
        threading.Thread(target=agent.wake, daemon=True).start()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _setup_logging(level: LogLevel) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=level.value.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _software_version() -> str | None:
    try:
        return version("quorum-rooms")
    except PackageNotFoundError:
        return None


def _fail(*lines: str) -> NoReturn:
    for line in lines:
        print(line, file=sys.stderr)
    raise typer.Exit(1)
