"""``python -m edge calibrate``: fit the ``fusion:`` likelihoods from labelled recordings.

- ``simulate``: record the session library (training seeds), fit, and judge the fit on other
  seeds against the defaults and the PIR-only state.
- ``fit FILE``: fit from a JSONL recording (edge/fusion/recording.py), e.g. made on a terminal
  by someone marking present/absent, or by ``simulate --record``.

Both write the fitted section as YAML (``fusion:``, ready to paste into a terminal config) with
``--out``. Exit codes: 0 ok, 1 bad input (nothing written), 2 usage.
"""

import json
import sys
from io import StringIO
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from ruamel.yaml import YAML

from contract.fusion_config import FusionSection
from edge.fusion import calibration_report as cal
from edge.fusion.calibrate import fit as fit_recordings
from edge.fusion.recording import RecordingError, dump_jsonl, load_jsonl
from edge.fusion.sessions import SessionError, load_session, shipped_sessions

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
