"""Occupancy estimators on the labelled session library: fused against the PIR-only state.

Method. Every session of the library (edge/fusion/sessions/library/, docs/occupancy-sessions.md)
is played for each seed into the Signal stream its room's sensors would produce (seeded sensor
models: PIR pulses, mmWave presence with drop-outs and false alarms, door, desk sensors, speech
flag, CO2, people counters through their simulators). Each estimator hears the same stream on a
fake clock, is asked every 5 s, and is judged at the middle of every minute: occupied state
against the truth, band (0/1/2/3+) where the room has a counting sensor. A booking is released
after 10 min of continuous vacant estimates inside it. Baseline, in the same run: ``pir_only``
(today's rule on the PIR alone, default 5 min hold); ``any_sensor`` is today's terminal (PIR,
presence, desks). The candidate is ``fused`` (edge/fusion/engine.py) when it exists.

Output: a table on stderr; the last line of stdout is one JSON object:
  candidate, baseline           the estimator judged, and "pir_only"
  occupied_share                candidate: share of judged minutes with the right occupied state
  baseline_occupied_share       the same for pir_only, same run, same signals
  ratio                         occupied_share / baseline_occupied_share (above 1: better)
  band_share                    candidate: share of minutes with the right band, in sessions
                                with a counting sensor (null: none)
  released_in_use               candidate: bookings released while someone was in (all runs)
  min_session_occupied_share    candidate: the worst session's occupied share
  target_occupied_share 0.98, target_band_share 0.90, target_released_in_use 0
  target_met                    all three met by the candidate
  overall, per_session          every estimator's summary (edge.fusion.evaluate.Summary)
  seeds, sessions, elapsed_s

  python bench/occupancy.py [--quick] [--seeds N] [--session NAME|FILE]... [--estimator NAME]...

--quick: 3 seeds instead of 10. Exits 1 when a session file or an estimator cannot be loaded.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge.fusion.baselines import EstimatorFactory, factory, fused_available
from edge.fusion.evaluate import Score, Summary, run_all, summarise
from edge.fusion.sessions import LoadedSession, SessionError, load_session, shipped_sessions

TARGET_OCCUPIED, TARGET_BAND, TARGET_RELEASED_IN_USE = 0.98, 0.90, 0
BASELINE = "pir_only"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:5.1f}%"


def _row(label: str, name: str, s: Summary) -> str:
    no_shows = f"{s.no_shows_released}/{s.no_shows}" if s.no_shows else "-"
    return (
        f"{label:<28} {name:<11} {_pct(s.occupied_share):>7} {_pct(s.band_share):>7} "
        f"{s.wrongly_vacant_min_per_run:>6.1f} {s.wrongly_occupied_min_per_run:>6.1f} "
        f"{s.released_in_use:>6} {s.released_then_used:>6} {no_shows:>8}"
    )


def report(scores: list[Score], names: list[str], sessions: list[str]) -> dict[str, Any]:
    log(
        f"{'session':<28} {'estimator':<11} {'occ ok':>7} {'band ok':>7} {'vac-':>6} "
        f"{'occ+':>6} {'rel!':>6} {'rel~':>6} {'no-show':>8}"
    )
    per_session: dict[str, dict[str, Any]] = {}
    for session in sessions:
        per_session[session] = {}
        for name in names:
            summary = summarise(s for s in scores if s.session == session and s.estimator == name)
            per_session[session][name] = asdict(summary)
            log(_row(session, name, summary))
    log("")
    overall: dict[str, Summary] = {}
    for name in names:
        overall[name] = summarise(s for s in scores if s.estimator == name)
        log(_row("all sessions", name, overall[name]))
    log(
        "occ ok/band ok: share of minutes right; vac-/occ+: minutes wrongly vacant/occupied per "
        "run; rel!: bookings released while someone was in; rel~: released, then people came "
        "back; no-show: empty bookings released"
    )
    return {"per_session": per_session, "overall": {n: asdict(s) for n, s in overall.items()}}


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    names = args.estimator or [BASELINE, "any_sensor", *(["fused"] * fused_available())]
    if BASELINE not in names:
        names.insert(0, BASELINE)
    try:
        factories: dict[str, EstimatorFactory] = {name: factory(name) for name in names}
        sessions: list[LoadedSession] = [
            load_session(r) for r in args.session or shipped_sessions()
        ]
    except (ValueError, SessionError) as exc:
        log(f"error: {exc}")
        return 1
    seeds = list(range(args.seeds if args.seeds is not None else 3 if args.quick else 10))
    log(f"{len(sessions)} sessions x {len(seeds)} seeds, estimators: {', '.join(names)}")
    scores = run_all(sessions, factories, seeds)
    tables = report(scores, names, [s.name for s in sessions])
    candidate = "fused" if "fused" in names else names[-1]
    mine, base = tables["overall"][candidate], tables["overall"][BASELINE]
    worst = min(
        tables["per_session"][s][candidate]["occupied_share"] for s in tables["per_session"]
    )
    band_ok = mine["band_share"] is None or mine["band_share"] >= TARGET_BAND
    result: dict[str, Any] = {
        "bench": "occupancy",
        "quick": args.quick,
        "candidate": candidate,
        "baseline": BASELINE,
        "occupied_share": round(mine["occupied_share"], 4),
        "baseline_occupied_share": round(base["occupied_share"], 4),
        "ratio": round(mine["occupied_share"] / base["occupied_share"], 4),
        "band_share": None if mine["band_share"] is None else round(mine["band_share"], 4),
        "released_in_use": mine["released_in_use"],
        "min_session_occupied_share": round(worst, 4),
        "target_occupied_share": TARGET_OCCUPIED,
        "target_band_share": TARGET_BAND,
        "target_released_in_use": TARGET_RELEASED_IN_USE,
        "target_met": mine["occupied_share"] >= TARGET_OCCUPIED
        and band_ok
        and mine["released_in_use"] <= TARGET_RELEASED_IN_USE,
        "seeds": len(seeds),
        "sessions": [s.name for s in sessions],
        **tables,
        "elapsed_s": round(time.perf_counter() - started, 2),
    }
    log(
        f"{candidate}: {_pct(result['occupied_share'])} of minutes right against "
        f"{_pct(result['baseline_occupied_share'])} for {BASELINE} (ratio {result['ratio']}); "
        f"band {_pct(result['band_share'])}; released in use {result['released_in_use']}; "
        f"target met: {result['target_met']}"
    )
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds instead of 10")
    parser.add_argument("--seeds", type=int, help="how many seeds (0, 1, ...) per session")
    parser.add_argument(
        "--session", action="append", help="a shipped session's name or a file (repeatable)"
    )
    parser.add_argument(
        "--estimator",
        action="append",
        help="pir_only, any_sensor, fused or module:callable (repeatable; pir_only always runs)",
    )
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        parser.error("--seeds must be at least 1")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
