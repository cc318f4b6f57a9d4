"""Command line of the room terminal, and its composition root.

``run`` is the only place where real adapters (clock, pin factory, MQTT
connection, environment) are built; everything else receives them.
Exit codes: 0 success, 1 bad input (the message says what to fix), 2 usage.
"""

import json
import logging
import os
import signal
import sys
import threading
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from common.clock import Clock, SystemClock
from common.sd_notify import SystemdNotifier
from contract.config_loader import ConfigError, load_terminal_config
from contract.config_push import config_version
from contract.terminal_config import TerminalConfig
from edge.calibrate_cli import app as calibrate_app
from edge.config_files import ConfigFiles
from edge.doctor.cli import doctor_command
from edge.fusion.sessions import Played, SessionError
from edge.link import TerminalLink
from edge.runtime import LoadedConfig, Platform, RunOptions, SetupError, build_runtime, preflight
from edge.scenario import (
    ScenarioError,
    shipped_scenarios,
)
from edge.sensors import HardwareUnavailable, raspberry_pi_pin_factory
from edge.session_player import load_played
from edge.simulation import Simulation, simulate_scenario, simulate_session
from edge.supervisor import SupervisedNotifier, Supervisor
from edge.update.cli import update_guard_command, update_status_command
from edge.update.files import UpdateDir
from edge.update.terminal import TerminalUpdates
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
app.command("doctor")(doctor_command)
app.command("update-guard")(update_guard_command)
app.command("update-status")(update_status_command)


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
    apply_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            metavar="SECONDS",
            help="A configuration pushed by the hub must connect to the broker and get a "
            "heartbeat through within this time, or the terminal goes back to the one it ran.",
        ),
    ] = 60.0,
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
    loaded = LoadedConfig(
        cfg, config_version(config_bytes), source, None if config is None else config.resolve()
    )
    problems = preflight(cfg, source, os.environ)
    if problems:
        _fail(*problems)
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
    # Under systemd (Type=notify, WatchdogSec=): READY once sensing, pings from the loop.
    systemd = SystemdNotifier.from_environment(os.environ, os.getpid())
    platform = Platform(
        clock=clock,
        pin_factory=pin_factory,
        environ=os.environ,
        software_version=_software_version(),
        sim=sim,
        played=played,
        systemd=systemd,
        notifier=(notifier := SupervisedNotifier(systemd)),
    )
    options = RunOptions(broker_host, broker_port, prefix, spool, speech_from, speech_realtime)
    # The runtime (sensors, spool, link, agent, speech, updates) is built in edge/runtime.py,
    # once per configuration: a pushed one replaces it in this process (edge/supervisor.py).
    supervisor = Supervisor(
        loaded,
        build=lambda what, commands: build_runtime(
            what, options, platform, commands, add_ons=[_updates]
        ),
        files=None if loaded.path is None else ConfigFiles(loaded.path),
        preflight=preflight,
        environ=os.environ,
        health_timeout_s=apply_timeout,
        notifier=notifier,
    )
    try:
        supervisor.start()
    except SetupError as exc:
        _fail(*exc.problems)
    _stop_on_signals(supervisor)
    code = supervisor.run()
    if code:
        raise typer.Exit(code)


def _updates(cfg: TerminalConfig, link: TerminalLink, clock: Clock) -> TerminalUpdates:
    """Software updates (edge/update): answers cmd/update, stamps its health, sends reports."""
    updates = TerminalUpdates(
        UpdateDir(Path(cfg.update.dir)), link.publisher, clock, enabled=cfg.update.enabled
    )
    updates.attach(link.commands)
    return updates


def _load_session(reference: str, seed: int) -> tuple[Played, TerminalConfig]:
    try:
        return load_played(reference, seed)
    except SessionError as exc:
        _fail(*(str(p) for p in exc.problems))


def _load_config(path: Path) -> TerminalConfig:
    try:
        return load_terminal_config(path)
    except ConfigError as exc:
        _fail(*(str(p) for p in exc.problems))


def _stop_on_signals(supervisor: Supervisor) -> None:
    def handle(signum: int, frame: object) -> None:
        log.info("received %s; shutting down", signal.Signals(signum).name)
        # Not supervisor.stop() here: putting on a queue from a signal handler can
        # deadlock on the lock the interrupted main thread may hold.
        threading.Thread(target=supervisor.stop, daemon=True).start()

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
