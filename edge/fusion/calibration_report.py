"""Held-out evaluation of a calibration: fused with defaults, fused calibrated, and PIR-only.

The fit never sees the evaluation seeds: it is trained on seeds ``TRAIN_SEED0`` onwards of every
session and judged on seeds 0, 1, ... (those bench/occupancy.py uses), by the same harness
(edge/fusion/evaluate.py) and the same played signals for all three estimators.
"""

from dataclasses import asdict
from typing import Any

from contract.fusion_config import FusionSection
from contract.terminal_config import TerminalConfig
from edge.fusion.baselines import EstimatorFactory, fused, pir_only
from edge.fusion.calibrate import Fit
from edge.fusion.engine import FusionEstimator
from edge.fusion.evaluate import Summary, run_all, summarise
from edge.fusion.recording import Recording, from_played
from edge.fusion.sessions import LoadedSession, play
from edge.fusion.settings import FusionSettings
from edge.fusion.signals import Estimator

Summaries = dict[str, Summary]

#: Training seeds start here, far from the evaluation seeds 0..9.
TRAIN_SEED0 = 100


def calibrated(section: FusionSection) -> EstimatorFactory:
    """An estimator factory: the room's fusion settings with the fitted section."""

    def make(config: TerminalConfig) -> Estimator:
        settings = FusionSettings.from_terminal_config(config)
        return FusionEstimator(settings.model_copy(update={"tuning": section}))

    return make


def evaluate(sessions: list[LoadedSession], seeds: list[int], section: FusionSection) -> Summaries:
    factories = {"pir_only": pir_only, "fused": fused, "calibrated": calibrated(section)}
    scores = run_all(sessions, factories, seeds)
    return {name: summarise(s for s in scores if s.estimator == name) for name in factories}


def recordings(sessions: list[LoadedSession], seeds: list[int]) -> list[Recording]:
    """Every session played for every seed, labelled with its truth."""
    return [from_played(play(loaded, seed)) for loaded in sessions for seed in seeds]


def report(fit: Fit, summaries: Summaries | None, meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON report: what was fitted, what was kept, and the held-out figures."""
    section = fit.section
    fitted = {
        kind: section.likelihoods.of(kind).model_dump(mode="json", exclude_defaults=True)
        for kind in fit.tallies
    }
    out: dict[str, Any] = {
        **meta,
        "occupied_stay_s": section.occupied_stay,
        "empty_stay_s": section.empty_stay,
        "likelihoods": fitted,
        "steps": {
            k: {"occupied": t.steps[True], "empty": t.steps[False]} for k, t in fit.tallies.items()
        },
        "kept": fit.kept,
    }
    if summaries is not None:
        out["evaluation"] = {
            name: {
                "occupied_share": round(s.occupied_share, 4),
                "band_share": None if s.band_share is None else round(s.band_share, 4),
                "released_in_use": s.released_in_use,
                "wrongly_vacant_min_per_run": round(s.wrongly_vacant_min_per_run, 2),
                "wrongly_occupied_min_per_run": round(s.wrongly_occupied_min_per_run, 2),
                "no_shows_released": s.no_shows_released,
                "no_shows": s.no_shows,
                "runs": s.runs,
                "minutes": s.minutes,
            }
            for name, s in summaries.items()
        }
        out["summaries"] = {name: asdict(s) for name, s in summaries.items()}
    return out


def text(result: dict[str, Any]) -> str:
    """The report for people."""
    lines = [f"fitted from {result.get('trained_on', '?')}"]
    lines.append(
        f"  occupied_stay {result['occupied_stay_s'] / 60:.1f} min, "
        f"empty_stay {result['empty_stay_s'] / 60:.1f} min"
    )
    for kind, pairs in result["likelihoods"].items():
        shown = ", ".join(
            f"{name} {p['occupied']:.3g}/{p['empty']:.3g}"
            for name, p in pairs.items()
            if isinstance(p, dict)
        )
        lines.append(f"  {kind:<11} {shown}")
    if result["kept"]:
        lines.append("kept as they were:")
    for kind, why in result["kept"].items():
        lines.append(f"  {kind:<11} {why}")
    evaluation = result.get("evaluation")
    if evaluation:
        lines.append(f"held-out: {result.get('evaluated_on', '?')}")
        lines.append(f"  {'estimator':<11} {'occ ok':>7} {'band ok':>7} {'rel in use':>10}")
        for name, e in evaluation.items():
            band = "-" if e["band_share"] is None else f"{100 * e['band_share']:.1f}%"
            lines.append(
                f"  {name:<11} {100 * e['occupied_share']:6.1f}% {band:>7} "
                f"{e['released_in_use']:>10}"
            )
    return "\n".join(lines)
