"""Headcount bands with a confidence, from counters, desks, or nothing."""

import pytest

from edge.fusion.bands import band_posterior, estimate_band
from edge.fusion.engine import FusionEstimator
from edge.fusion.evidence import CountView
from edge.fusion.settings import FusionSensor, FusionSettings
from edge.fusion.signals import Signal


def reading(
    count: int, confidence: float = 0.9, at_least: bool = False, source: str = "c"
) -> CountView:
    return CountView(source, count, confidence, 0.0, at_least)


def band(
    *readings: CountView, occupied: bool = True, p: float = 0.99, desks: int = 0, top: int = 3
) -> tuple[int | None, float]:
    return estimate_band(
        occupied=occupied,
        probability=p,
        readings=readings,
        desks_in_use=desks,
        top=top,
        desk_confidence=0.5,
    )


def test_an_empty_room_is_band_0_with_the_vacancy_s_confidence() -> None:
    assert band(reading(2), occupied=False, p=0.1) == (0, pytest.approx(0.9))


def test_one_counter_gives_its_band_about_as_sure_as_it_is() -> None:
    b, confidence = band(reading(2, 0.9))
    assert b == 2 and 0.85 < confidence < 0.95
    b, low = band(reading(2, 0.5))
    assert b == 2 and low < confidence


def test_counts_above_the_top_band_are_the_top_band() -> None:
    assert band(reading(7))[0] == 3
    assert band(reading(7), top=5)[0] == 5


def test_a_saturated_radar_means_3_or_more() -> None:
    ld2450 = reading(3, 0.9, at_least=True)
    b, confidence = band(ld2450)
    assert b == 3 and confidence > 0.85  # top 3: "3+" is exactly what it says
    # In finer bands it is a lower bound: alone it can only say 3 (or more), unsure which.
    b, confidence = band(ld2450, top=5)
    assert b == 3 and confidence < 0.5
    # A thermal array that counts 4 places it; the radar agrees with "4".
    b, confidence = band(ld2450, reading(4, 0.8, source="thermal"), top=5)
    assert b == 4 and confidence > 0.8


def test_counters_weigh_by_confidence() -> None:
    assert band(reading(2, 0.9, source="a"), reading(3, 0.6, source="b"))[0] == 2
    assert band(reading(2, 0.6, source="a"), reading(3, 0.9, source="b"))[0] == 3
    agree, _ = band(reading(2, 0.8, source="a"), reading(2, 0.8, source="b"))
    assert agree == 2
    both = band(reading(2, 0.8, source="a"), reading(2, 0.8, source="b"))[1]
    assert both > band(reading(2, 0.8))[1]  # two that agree are surer than one


def test_a_counter_reading_zero_in_an_occupied_room_lowers_the_confidence() -> None:
    sure = band(reading(2, 0.9, source="a"))[1]
    doubted = band(reading(2, 0.9, source="a"), reading(0, 0.9, source="b"))[1]
    assert doubted < sure


def test_occupied_desks_are_a_lower_bound() -> None:
    assert band(desks=2) == (2, pytest.approx(0.495))  # no counter: desks only, half sure
    assert band(reading(1, 0.6), desks=3)[0] == 3  # a weak "1" against three desks in use
    posterior = band_posterior(0.99, [], desks_in_use=2, top=3)
    assert posterior[1] < posterior[2] == posterior[3]


def test_without_counters_or_desks_the_band_is_unknown() -> None:
    assert band() == (None, 0.0)


def test_the_estimator_uses_fresh_readings_and_finer_bands_with_a_thermal_array() -> None:
    settings = FusionSettings(
        sensors=(
            FusionSensor(id="radar", signal="count", saturates_at=3),
            FusionSensor(id="thermal", signal="count"),
        )
    )
    assert settings.top_band == 5
    estimator = FusionEstimator(settings)
    for t in range(0, 60, 5):
        estimator.observe(Signal("count", "radar", float(t), 3.0, 0.9))  # saturated: 3 or more
        estimator.observe(Signal("count", "thermal", float(t), 4.0, 0.8))
    estimate = estimator.estimate(60.0)
    assert estimate.occupied and estimate.band == 4
    assert set(estimate.signals[:2]) == {"radar", "thermal"}
    # Thirty seconds later both readings are stale: the band is no longer counted.
    assert estimator.estimate(100.0).band is None


def test_an_ld2450_alone_keeps_density_s_bands() -> None:
    settings = FusionSettings(sensors=(FusionSensor(id="radar", signal="count", saturates_at=3),))
    assert settings.top_band == 3
    estimator = FusionEstimator(settings)
    for t in range(0, 60, 5):
        estimator.observe(Signal("count", "radar", float(t), 3.0, 0.9))
    assert estimator.estimate(60.0).band == 3
