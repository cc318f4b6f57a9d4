"""``python -m edge doctor``: exit 0 when every required check passes, 1 when one fails or
the config file is missing or invalid (bad input, GUIDE section 10: the message says how to
fix it), 2 for wrong usage (typer's own, e.g. no ``--config``). With ``--json`` stdout holds
exactly one JSON document.
"""

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from contract.config_loader import ConfigError, load_terminal_config
from contract.terminal_config import TerminalConfig
from edge.doctor.context import DoctorContext
from edge.doctor.render import render
from edge.doctor.runner import run_checks

BAD_INPUT = 1
INSTALLED = "/etc/quorum/terminal/terminal.yaml"


def doctor_command(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="The terminal's config file.", show_default=False)
    ],
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate", help="Check GPIO on the simulator (gpiozero MockFactory), no microphone."
        ),
    ] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Do not contact the broker.")] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout.")
    ] = False,
    timeout: Annotated[
        float, typer.Option(min=0.5, max=120.0, help="Seconds the broker gets to answer.")
    ] = 10.0,
) -> None:
    """Check that this terminal can run (microphone, GPIO, broker, model, clock, spool)."""
    cfg, problems = _load(config)
    if cfg is None:
        for line in problems:
            print(line, file=sys.stderr)
        if json_output:
            print(json.dumps({"config": str(config), "ok": False, "error": problems}))
        raise typer.Exit(BAD_INPUT)
    context = DoctorContext(config, cfg, os.environ, simulate, offline, timeout)
    report = run_checks(context)
    print(json.dumps(report.as_json()) if json_output else render(report))
    raise typer.Exit(0 if report.ok else 1)


def _load(path: Path) -> tuple[TerminalConfig | None, list[str]]:
    """The config, or None and what is wrong with it (as ``edge validate`` prints it)."""
    if not path.is_file():
        return None, [f"--config {path}: no such file (the installer puts it at {INSTALLED})"]
    try:
        return load_terminal_config(path), []
    except ConfigError as exc:
        return None, [str(p) for p in exc.problems]
