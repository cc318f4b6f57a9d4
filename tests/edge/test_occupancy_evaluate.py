"""The evaluation harness: scoring on trivial estimators, the baselines, and the bench's output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from contract.terminal_config import TerminalConfig
from edge.fusion.baselines import ESTIMATORS, EstimatorFactory, factory, pir_only
from edge.fusion.evaluate import run_all, score, summarise
from edge.fusion.sessions import load_library, load_session, play
from edge.fusion.sessions.truth import Truth
from edge.fusion.signals import Estimate, Estimator, Signal

ROOT = Path(__file__).resolve().parents[2]


class Oracle:
    """Knows the truth: what a perfect estimator would say."""

    def __init__(self, truth: Truth) -> None:
        self.truth = truth

    def observe(self, signal: Signal) -> None:
        pass

    def estimate(self, now: float) -> Estimate:
        count = self.truth.count_at(now)
        return Estimate(count > 0, float(count > 0), min(count, 3), 1.0)


class Constant:
    def __init__(self, occupied: bool) -> None:
        self.occupied = occupied

    def observe(self, signal: Signal) -> None:
        pass

    def estimate(self, now: float) -> Estimate:
        return Estimate(self.occupied, float(self.occupied), None, 0.0)


def vacant(config: TerminalConfig) -> Estimator:
    return Constant(False)


def oracle_for(truth: Truth) -> EstimatorFactory:
    def make(config: TerminalConfig) -> Estimator:
        return Oracle(truth)

    return make


def test_an_oracle_is_right_every_minute_and_releases_only_no_shows() -> None:
    scores = []
    for loaded in load_library():
        played = play(loaded, 0)
        scores.append(score(played, "oracle", oracle_for(loaded.truth)))
    summary = summarise(scores)
    assert summary.occupied_share == 1.0 and summary.band_share == 1.0
    assert summary.wrongly_vacant_min_per_run == summary.wrongly_occupied_min_per_run == 0
    assert summary.released_in_use == summary.released_then_used == 0
    assert summary.no_shows == summary.no_shows_released == 1  # the no_show session


def test_a_vacant_estimator_scores_low_and_releases_a_booking_in_use() -> None:
    played = play(load_session("reading_alone"), 0)
    result = score(played, "vacant", vacant)
    assert result.occupied_right / result.minutes < 0.3
    assert result.wrongly_vacant == 40
    assert result.band_minutes == 0  # no counting sensor in that room
    (booking,) = result.bookings
    # Released ten minutes after the booking began (at 2m), the reader came in at 3m.
    assert booking.outcome == "released_in_use" and booking.released_at == 12 * 60
    assert result.released_in_use == 1


def test_a_booking_released_while_its_people_are_out_is_told_apart() -> None:
    played = play(load_session("step_out"), 0)
    (booking,) = score(played, "vacant", vacant).bookings
    assert booking.outcome == "released_in_use"
    (kept,) = score(played, "busy", lambda _c: Constant(True)).bookings
    assert kept.outcome == "kept" and kept.released_at is None


def test_pir_only_ignores_presence_and_misses_the_reader() -> None:
    loaded = load_session("reading_alone")
    scores = run_all([loaded], {n: ESTIMATORS[n] for n in ("pir_only", "any_sensor")}, [0, 1, 2])
    pir = summarise(s for s in scores if s.estimator == "pir_only")
    anything = summarise(s for s in scores if s.estimator == "any_sensor")
    assert pir.wrongly_vacant_min_per_run > 5 > anything.wrongly_vacant_min_per_run
    assert pir.occupied_share < anything.occupied_share
    assert pir.released_in_use >= 1 and anything.released_in_use == 0


def test_the_machine_adapter_reports_the_deciding_sensor() -> None:
    loaded = load_session("reading_alone")
    from edge.fusion.sessions import terminal_config

    estimator = pir_only(terminal_config(loaded.session))
    estimator.observe(Signal("presence", "presence", 10.0, 1.0))  # not a PIR: ignored
    assert not estimator.estimate(11.0).occupied
    estimator.observe(Signal("pir", "pir", 20.0, 1.0))
    estimate = estimator.estimate(21.0)
    assert estimate.occupied and estimate.signals == ("pir",) and estimate.band is None
    estimator.observe(Signal("pir", "pir", 22.0, 0.0))
    assert estimator.estimate(22.0 + 299).occupied and not estimator.estimate(22.0 + 300).occupied


def test_estimators_are_found_by_name_or_module_path() -> None:
    assert factory("pir_only") is pir_only
    assert factory("tests.edge.test_occupancy_evaluate:vacant") is vacant
    with pytest.raises(ValueError, match="use one of pir_only, any_sensor, fused"):
        factory("pir")
    with pytest.raises(ValueError, match="cannot load estimator"):
        factory("tests.edge.nowhere:thing")


def test_the_bench_prints_a_table_and_one_json_line() -> None:
    done = subprocess.run(
        [sys.executable, "bench/occupancy.py", "--session", "no_show", "--seeds", "1",
         "--estimator", "any_sensor"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["candidate"] == "any_sensor" and result["baseline"] == "pir_only"
    assert set(result["overall"]) == {"pir_only", "any_sensor"}
    assert result["ratio"] == pytest.approx(
        result["occupied_share"] / result["baseline_occupied_share"], abs=1e-3
    )
    assert isinstance(result["target_met"], bool)
    assert "no_show" in done.stderr and "pir_only" in done.stderr


def test_the_bench_says_what_is_wrong_with_a_bad_estimator() -> None:
    done = subprocess.run(
        [sys.executable, "bench/occupancy.py", "--estimator", "nonsense", "--seeds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert "no estimator 'nonsense'" in done.stderr
