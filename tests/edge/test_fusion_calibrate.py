"""Calibration (issue 8.3): fitting recovers known probabilities; the CLI's JSON and errors."""

import json
import random
from pathlib import Path

from ruamel.yaml import YAML
from typer.testing import CliRunner

from contract.fusion_config import FusionSection
from edge.cli import app
from edge.fusion.calibrate import MAX_LLR, fit
from edge.fusion.recording import Recording, dump_jsonl, load_jsonl
from edge.fusion.settings import FusionSensor
from edge.fusion.signals import Signal

runner = CliRunner()
STEP = 5.0


def synthetic(p_occupied: float, p_empty: float, blocks: int = 20, seed: int = 1) -> Recording:
    """A PIR that pulses independently in each 5 s step with the given probabilities, in blocks
    of 100 steps alternately empty and occupied."""
    rng = random.Random(seed)
    signals: list[Signal] = []
    labels: list[tuple[float, bool]] = []
    step = 0
    for block in range(blocks):
        occupied = block % 2 == 1
        labels.append((step * STEP, occupied))
        for _ in range(100):
            if rng.random() < (p_occupied if occupied else p_empty):
                t = step * STEP
                signals += [Signal("pir", "pir", t + 1, 1.0), Signal("pir", "pir", t + 2, 0.0)]
            step += 1
    sensors = (FusionSensor(id="pir", signal="pir"),)
    return Recording("synthetic", sensors, (), signals, labels, step * STEP)


def test_fit_recovers_known_step_probabilities() -> None:
    result = fit([synthetic(0.8, 0.05)])
    pir = result.section.likelihoods.pir
    assert abs(pir.active.occupied - 0.8) < 0.03
    assert abs(pir.active.empty - 0.05) < 0.02
    # Independent steps: a quiet step follows a quiet one as often as any step is quiet.
    assert abs(pir.quiet.occupied - 0.2) < 0.05
    assert abs(pir.quiet.empty - 0.95) < 0.02
    assert "pir" not in result.kept
    # 10 blocks of 500 s in each state; the last (occupied) one never ends: time / changes out.
    assert result.section.empty_stay == 500.0
    assert abs(result.section.occupied_stay - 5000 / 9) < 1e-6


def test_fit_keeps_what_the_data_cannot_tell() -> None:
    result = fit([synthetic(0.8, 0.05)])
    defaults = FusionSection().likelihoods
    assert result.section.likelihoods.presence == defaults.presence  # no radar recorded
    assert result.section.likelihoods.door_sealed == defaults.door_sealed
    assert "presence" in result.kept and "door_sealed" in result.kept


def test_fit_bounds_never_seen_probabilities() -> None:
    # Always pulsing when occupied, never when empty: smoothing keeps both away from 0 and 1,
    # and no single step may move the log-odds by more than the clamp's half-width.
    pir = fit([synthetic(1.0, 0.0)]).section.likelihoods.pir
    assert 0.99 <= pir.active.occupied < 1.0
    assert 0.0 < pir.active.empty <= 0.011
    for pair in (pir.active, pir.quiet):
        assert abs(pair.llr) <= MAX_LLR + 1e-9


def test_recording_round_trips_through_jsonl(tmp_path: Path) -> None:
    recording = synthetic(0.5, 0.1, blocks=2)
    path = tmp_path / "rec.jsonl"
    path.write_text(dump_jsonl([recording]))
    [loaded] = load_jsonl(path)
    assert loaded == recording


def test_cli_simulate_json_and_fit_its_recording(tmp_path: Path) -> None:
    out, record = tmp_path / "fusion.yaml", tmp_path / "rec.jsonl"
    args = ["calibrate", "simulate", "--sessions", "reading_alone", "--train-seeds", "1"]
    args += ["--eval-seeds", "1", "--out", str(out), "--record", str(record), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"likelihoods", "kept", "occupied_stay_s", "evaluation"} <= set(report)
    assert set(report["evaluation"]) == {"pir_only", "fused", "calibrated"}
    for figures in report["evaluation"].values():
        assert {"occupied_share", "band_share", "released_in_use"} <= set(figures)
    section = YAML(typ="safe").load(out.read_text())["fusion"]
    assert FusionSection.model_validate(section).likelihoods.pir.active.occupied > 0
    refit = runner.invoke(app, ["calibrate", "fit", str(record), "--json"])
    assert refit.exit_code == 0, refit.stderr
    assert json.loads(refit.stdout)["likelihoods"] == report["likelihoods"]


def test_cli_fit_missing_file_fails_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "fusion.yaml"
    result = runner.invoke(
        app, ["calibrate", "fit", str(tmp_path / "nope.jsonl"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "nope.jsonl" in result.stderr and "cannot read" in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_cli_fit_malformed_line_names_it(tmp_path: Path) -> None:
    path, out = tmp_path / "rec.jsonl", tmp_path / "fusion.yaml"
    good = dump_jsonl([synthetic(0.5, 0.1, blocks=2)]).splitlines()
    good.insert(3, "{not json")
    path.write_text("\n".join(good) + "\n")
    result = runner.invoke(app, ["calibrate", "fit", str(path), "--out", str(out), "--json"])
    assert result.exit_code == 1
    assert f"{path}:4:" in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_cli_unknown_session_is_bad_input() -> None:
    result = runner.invoke(app, ["calibrate", "simulate", "--sessions", "no_such", "--json"])
    assert result.exit_code == 1
    assert "no_such" in result.stderr
