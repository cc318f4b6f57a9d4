"""``python -m edge calibrate``: fit the ``fusion:`` likelihoods from labelled recordings.

- ``simulate``: record the session library (training seeds), fit, and judge the fit on other
  seeds against the defaults and the PIR-only state.
- ``record --config FILE --out REC``: on the terminal, record the room's sensors while a person
  types ``p`` (someone is in) and ``a`` (empty) as it changes (edge/calibrate_record.py).
- ``fit FILE``: fit from a JSONL recording (edge/fusion/recording.py), e.g. made by ``record``
  or by ``simulate --record``.

Both write the fitted section as YAML (``fusion:``, ready to paste into a terminal config) with
``--out``. Exit codes: 0 ok, 1 bad input (nothing written), 2 usage.
"""

import json
import queue
import sys
import threading
from io import StringIO
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from ruamel.yaml import YAML

from common.clock import SystemClock
from contract.config_loader import ConfigError, load_terminal_config
from contract.fusion_config import FusionSection
from contract.terminal_config import TerminalConfig
from edge.calibrate_record import RecordSummary
from edge.calibrate_record import record as record_room
from edge.counting.hardware import open_counters
from edge.fusion import calibration_report as cal
from edge.fusion.calibrate import fit as fit_recordings
from edge.fusion.recording import RecordingError, dump_jsonl, load_jsonl
from edge.fusion.sessions import SessionError, load_session, shipped_sessions
from edge.sensors import HardwareUnavailable, raspberry_pi_pin_factory

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Fit occupancy fusion's likelihoods from labelled sessions (docs/fusion.md).",
)

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write the fitted `fusion:` section (YAML) here.")
]


@app.command()
def simulate(
    sessions: Annotated[
        list[str] | None,
        typer.Option("--sessions", help="Library session names or files (default: all)."),
    ] = None,
    train_seeds: Annotated[
        int, typer.Option("--train-seeds", min=1, help=f"Seeds {cal.TRAIN_SEED0}.. to fit on.")
    ] = 10,
    eval_seeds: Annotated[
        int, typer.Option("--eval-seeds", min=0, help="Seeds 0.. to judge on (0: no judging).")
    ] = 10,
    out: OutOption = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="Also write the training recordings (JSONL).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Fit on simulated sessions and report accuracy on held-out seeds."""
    try:
        loaded = [load_session(name) for name in sessions or shipped_sessions()]
    except SessionError as exc:
        _fail(str(exc))
    train = list(range(cal.TRAIN_SEED0, cal.TRAIN_SEED0 + train_seeds))
    evaluate = list(range(eval_seeds))
    _progress(f"recording {len(loaded)} sessions x {len(train)} training seeds")
    recordings = cal.recordings(loaded, train)
    fitted = fit_recordings(recordings)
    summaries = None
    if evaluate:
        _progress(f"judging on seeds 0..{eval_seeds - 1} (never fitted on)")
        summaries = cal.evaluate(loaded, evaluate, fitted.section)
    names = [s.name for s in loaded]
    meta = {
        "command": "calibrate simulate",
        "sessions": names,
        "train_seeds": train,
        "eval_seeds": evaluate,
        "trained_on": f"{len(names)} sessions x seeds {train[0]}..{train[-1]}",
        "evaluated_on": f"{len(names)} sessions x seeds 0..{eval_seeds - 1}",
    }
    result = cal.report(fitted, summaries, meta)
    _write(out, fitted.section, record, dump_jsonl(recordings) if record else None)
    _emit(result, out, json_output)


@app.command()
def record(
    config: Annotated[Path, typer.Option("--config", "-c", help="The terminal's config file.")],
    out: Annotated[
        Path, typer.Option("--out", help="The recording to write (JSONL); must not exist yet.")
    ],
    minutes: Annotated[
        float | None,
        typer.Option("--minutes", min=1.0, help="Stop after this long (default: until q)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """On the terminal: record the sensors while you type p (someone is in), a (empty), q."""
    cfg = _terminal_config(config)
    if out.exists():
        _fail(f"{out} exists: a recording is never overwritten; choose another --out")
    try:
        pin_factory = raspberry_pi_pin_factory()
    except HardwareUnavailable as exc:
        _fail(f"{exc}; `calibrate simulate` needs no hardware")
    clock = SystemClock()
    counters = open_counters(cfg.sensors, pin_factory, clock, ZoneInfo(cfg.room.timezone))
    commands: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    _read_lines_into(commands, finish_at_eof=minutes is None)
    _progress(
        f"recording {cfg.room.id} into {out}: type p + Enter when someone is in the room, "
        "a when it is empty, q to finish"
    )
    result: list[RecordSummary] = []
    worker = threading.Thread(
        target=lambda: result.append(
            record_room(cfg, out, pin_factory, clock, counters, commands, _progress, stop, minutes)
        ),
        name="calibrate-record",
    )
    worker.start()
    try:
        while worker.is_alive():
            worker.join(timeout=0.5)
    except KeyboardInterrupt:  # Ctrl-C ends the recording; the file keeps everything so far
        stop.set()
        worker.join()
    if not result:
        _fail(f"the recording stopped on an error; {out} holds what was recorded")
    _emit_recording(result[0], json_output)


@app.command()
def fit(
    file: Annotated[Path, typer.Argument(help="A JSONL recording (signals and labels).")],
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Fit from a recorded JSONL file of signals and present/absent labels."""
    try:
        recordings = load_jsonl(file)
    except RecordingError as exc:
        _fail(str(exc))
    fitted = fit_recordings(recordings)
    meta = {
        "command": "calibrate fit",
        "file": str(file),
        "recordings": [r.name for r in recordings],
        "trained_on": f"{len(recordings)} recording(s) in {file}",
    }
    result = cal.report(fitted, None, meta)
    _write(out, fitted.section, None, None)
    _emit(result, out, json_output)


def _terminal_config(path: Path) -> TerminalConfig:
    try:
        return load_terminal_config(path)
    except ConfigError as exc:
        _fail("\n".join(str(p) for p in exc.problems))


def _read_lines_into(commands: "queue.Queue[str]", finish_at_eof: bool) -> None:
    """Typed lines go to ``commands`` from a reader thread (the loop never blocks on input)."""

    def read() -> None:
        for line in sys.stdin:
            commands.put(line)
        if finish_at_eof:
            commands.put("q")

    threading.Thread(target=read, name="calibrate-labels", daemon=True).start()


def _emit_recording(summary: RecordSummary, json_output: bool) -> None:
    result = {
        "command": "calibrate record",
        "file": str(summary.path),
        "duration_s": round(summary.duration_s, 1),
        "signals": summary.signals,
        "labels": summary.labels,
        "present_s": round(summary.present_s, 1),
        "absent_s": round(summary.absent_s, 1),
        "usable": summary.usable,
    }
    if json_output:
        print(json.dumps(result))
    else:
        print(
            f"recorded {summary.duration_s / 60:.1f} min into {summary.path}: {summary.signals} "
            f"signals, {summary.labels} labels ({summary.present_s / 60:.1f} min present, "
            f"{summary.absent_s / 60:.1f} min absent)"
        )
        if summary.usable:
            print(f"next: python -m edge calibrate fit {summary.path} --out fusion.yaml")
    if not summary.usable:
        _fail("no label was given (type p or a while recording): nothing to fit from")


def section_yaml(section: FusionSection) -> str:
    """The ``fusion:`` section with only what differs from the defaults."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    data = {"fusion": section.model_dump(mode="json", exclude_defaults=True)}
    buffer = StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def _write(
    out: Path | None, section: FusionSection, record: Path | None, lines: str | None
) -> None:
    try:
        if out is not None:
            out.write_text(section_yaml(section))
        if record is not None and lines is not None:
            record.write_text(lines)
    except OSError as exc:
        _fail(f"cannot write: {exc}")


def _emit(result: dict[str, Any], out: Path | None, json_output: bool) -> None:
    if out is not None:
        result["out"] = str(out)
    if json_output:
        print(json.dumps(result))
        return
    print(cal.text(result))
    if out is not None:
        print(f"wrote {out}")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(1)
