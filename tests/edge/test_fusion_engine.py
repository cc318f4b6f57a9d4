"""The fusion estimator on small scores with plain-number times (seconds)."""

import pytest

from contract.fusion_config import FusionSection
from edge.fusion.engine import FusionEstimator
from edge.fusion.settings import FusionSensor, FusionSettings
from edge.fusion.signals import Estimator, Signal
from tests.edge.fusion_play import (
    Score,
    first_vacant_after,
    occupied_between,
    room,
    vacant_between,
)

PIR_DOOR = room(("pir", "pir"), ("door", "door"))
PIR_ONLY = room(("pir", "pir"))
PIR_RADAR_DOOR = room(("pir", "pir"), ("radar", "presence"), ("door", "door"))
MIN = 60.0


def entry(score: Score, at: float = 60.0, door: bool = True) -> Score:
    """Someone opens the door, walks in moving, closes it and sits down (one more pulse)."""
    if door:
        score.door("door", 0.0, closed=True).door("door", at, closed=False)
        score.door("door", at + 15, closed=True)
    return score.pulses("pir", at + 2, at + 14, every=4).level("pir", "pir", at + 40, at + 43)


def test_the_estimator_implements_the_interface() -> None:
    estimator: Estimator = FusionEstimator()
    estimator.observe(Signal("pir", "pir", 0.0, 1.0))
    assert estimator.estimate(10.0).probability > 0.5


def test_a_still_reader_behind_a_closed_door_stays_occupied_for_an_hour() -> None:
    score = entry(Score())
    fused = score.play(PIR_DOOR, until=65 * MIN, every=15.0)
    assert occupied_between(fused, 2 * MIN, 65 * MIN)
    assert fused[65 * MIN].signals[0] == "door_sealed"
    assert fused[65 * MIN].probability == pytest.approx(0.99)
    # The same hour without a door contact: PIR silence releases the reader (the PIR-only
    # failure fusion exists to fix), after about the old 5-minute hold.
    alone = entry(Score(), door=False).play(PIR_ONLY, until=65 * MIN, every=15.0)
    released = first_vacant_after(alone, 2 * MIN)
    assert released is not None and 4 * MIN < released < 8 * MIN


def test_opening_the_door_breaks_the_seal_and_nothing_seen_turns_vacant_in_minutes() -> None:
    score = entry(Score())
    # At 30 min the reader leaves: door open, a pulse on the way out, door shut behind them.
    score.door("door", 30 * MIN, closed=False).level("pir", "pir", 30 * MIN + 2, 30 * MIN + 6)
    score.door("door", 30 * MIN + 5, closed=True)
    fused = score.play(PIR_DOOR, until=40 * MIN, every=15.0)
    assert fused[30 * MIN].occupied
    released = first_vacant_after(fused, 30 * MIN)
    assert released is not None and released <= 30 * MIN + 6 * MIN
    assert vacant_between(fused, released, 40 * MIN)  # the pulse before the close sealed nothing
    # With a presence radar that sees nobody, the room is released within two minutes.
    radar = score.level("presence", "radar", 62, 30 * MIN + 3)
    fused = radar.play(PIR_RADAR_DOOR, until=40 * MIN, every=15.0)
    released = first_vacant_after(fused, 30 * MIN)
    assert released is not None and released <= 32 * MIN


def test_a_door_closed_with_nobody_seen_after_is_no_evidence() -> None:
    empty = Score().level("pir", "pir", 60, 63)  # a passer-by looks in, leaves
    with_door = Score(list(empty.signals)).door("door", 0, closed=False).door("door", 62, True)
    plain = empty.play(PIR_DOOR, until=20 * MIN)
    closed = with_door.play(PIR_DOOR, until=20 * MIN)
    assert [e.probability for e in plain.values()] == [e.probability for e in closed.values()]
    assert vacant_between(closed, 6 * MIN, 20 * MIN)


def test_the_door_settle_time_keeps_a_leaver_s_pulse_from_sealing() -> None:
    # The room was in use; the last person leaves and the door shuts while the PIR is still high.
    score = Score().door("door", 0, closed=False).pulses("pir", 0, 10 * MIN, every=20)
    score.level("pir", "pir", 10 * MIN, 10 * MIN + 6).door("door", 10 * MIN + 3, closed=True)
    fused = score.play(PIR_DOOR, until=20 * MIN, every=15.0)
    released = first_vacant_after(fused, 10 * MIN)
    assert released is not None and released < 17 * MIN


def test_pir_pulses_alone_in_an_empty_room_decay_quickly() -> None:
    # Someone walks past the open door: two short bursts of motion, nothing else.
    score = Score().pulses("pir", 10 * MIN, 10 * MIN + 12, every=4)
    fused = score.play(PIR_ONLY, until=20 * MIN, every=5.0)
    released = first_vacant_after(fused, 10 * MIN + 15)
    # A PIR alone cannot tell a passer-by from someone who sat down: no later than the old
    # 5-minute hold, and never sooner (releasing a reader costs more than keeping a corridor).
    assert released is not None and released <= 10 * MIN + 6 * MIN
    # A single pulse does not even turn the room occupied.
    once = (
        Score().level("pir", "pir", 10 * MIN, 10 * MIN + 2).play(PIR_ONLY, until=20 * MIN, every=5)
    )
    assert vacant_between(once, 0, 20 * MIN)
    # With a presence radar that stays low, the burst is gone within a minute.
    radar = room(("pir", "pir"), ("radar", "presence"))
    fused = score.play(radar, until=20 * MIN, every=5.0)
    released = first_vacant_after(fused, 10 * MIN + 15)
    assert released is not None and released <= 11 * MIN + 15


def test_speech_keeps_a_room_occupied_that_the_motion_sensors_lost() -> None:
    # Two people talk quietly in a corner the radar does not cover; nobody moves.
    score = Score().level("presence", "radar", 0, 60).pulses("pir", 0, 60, every=10)
    for start in range(60, 40 * 60, 40):  # speech 10 s in every 40 s
        score.level("speech", "speech", start, start + 10)
    fused = score.play(room(("pir", "pir"), ("radar", "presence")), until=40 * MIN, every=5.0)
    assert occupied_between(fused, 30, 40 * MIN)
    assert fused[40 * MIN].signals[0] == "speech"


def test_presence_dropouts_of_a_few_seconds_do_not_flip_the_state() -> None:
    score = Score()
    t = 0.0
    while t < 30 * MIN:  # high for two minutes, then lost for 8 s (a still person)
        score.level("presence", "radar", t, t + 120)
        t += 128
    score.level("presence", "radar", t + 22, t + 200)  # and once lost for 30 s
    fused = score.play(room(("pir", "pir"), ("radar", "presence")), until=t + 200, every=1.0)
    # A radar's first 45 s count little (fans make bursts of up to 30 s); then it holds.
    assert occupied_between(fused, 60, t + 200)
    assert min(e.probability for at, e in fused.items() if at >= 60) > 0.7


def test_explanations_name_the_sources_that_decided() -> None:
    score = Score().level("presence", "radar", 0, 20 * MIN).pulses("pir", 0, 20 * MIN, every=60)
    score.level("speech", "speech", 5 * MIN, 6 * MIN)
    fused = score.play(PIR_RADAR_DOOR, until=30 * MIN, every=5.0)
    assert fused[5 * MIN + 50].signals[:2] == ("radar", "speech")
    assert fused[19 * MIN].signals[0] == "radar"
    assert not fused[30 * MIN].occupied
    assert fused[30 * MIN].signals == ("radar", "pir")  # the quiet ones released it
    assert "door_sealed" not in {s for e in fused.values() for s in e.signals}


def test_desks_have_their_own_state_and_count_for_the_room() -> None:
    settings = room(
        ("d1", "desk"), ("d2", "desk"), desks=("desk-1", "desk-2"), d1="desk-1", d2="desk-2"
    )
    score = Score().level("desk", "d1", 60, 30 * MIN, desk="desk-1")
    fused = score.play(settings, until=60 * MIN)
    assert fused[10 * MIN].desks == {"desk-1": True, "desk-2": False}
    assert fused[10 * MIN].occupied and fused[10 * MIN].signals == ("d1",)
    assert fused[10 * MIN].band == 1  # one desk in use: a lower bound, without a counter
    released = first_vacant_after(fused, 30 * MIN)
    assert released is not None and 35 * MIN <= released <= 45 * MIN  # about the 10-min hold
    assert not fused[50 * MIN].desks["desk-1"]


def test_a_confident_counter_says_how_many_and_holds_the_room() -> None:
    score = Score().level("pir", "pir", 60, 70)
    for at in range(60, 40 * 60, 10):
        score.count("cam", at, 2, confidence=0.9)
    fused = score.play(room(("pir", "pir"), ("cam", "count")), until=50 * MIN)
    assert occupied_between(fused, 2 * MIN, 40 * MIN)
    assert fused[30 * MIN].band == 2 and fused[30 * MIN].band_confidence > 0.8
    assert fused[30 * MIN].signals[0] == "cam"
    # The counter stopped reporting at 40 min: a silent counter is no evidence, PIR silence is.
    assert not fused[50 * MIN].occupied and fused[50 * MIN].band == 0


def test_a_counter_reading_zero_releases_a_room_faster_than_pir_silence() -> None:
    score = Score().pulses("pir", 0, 5 * MIN, every=30)
    for at in range(5 * 60, 20 * 60, 5):
        score.count("beams", at, 0, confidence=1.0)
    fused = score.play(room(("pir", "pir"), ("beams", "count")), until=20 * MIN, every=5.0)
    released = first_vacant_after(fused, 5 * MIN)
    assert released is not None and released <= 6 * MIN + 30


def test_rising_co2_is_evidence_of_people() -> None:
    score = Score().level("pir", "pir", 60, 70)
    for i in range(0, 40 * 6):  # a reading every 10 s, rising 8 ppm/min from 500 ppm
        score.co2(i * 10.0, 500 + 8 * i * 10 / 60)
    with_co2 = score.play(room(("pir", "pir")), until=40 * MIN)
    without = Score(score.signals[:2]).play(room(("pir", "pir")), until=40 * MIN)
    assert not without[20 * MIN].occupied
    assert occupied_between(with_co2, 11 * MIN, 40 * MIN)
    assert "co2" in with_co2[20 * MIN].signals


def test_estimates_do_not_depend_on_how_often_they_are_asked() -> None:
    score = entry(Score()).level("presence", "radar", 62, 10 * MIN).count("cam", 200, 1)
    often = score.play(PIR_RADAR_DOOR, until=20 * MIN, every=5.0)
    rarely = score.play(PIR_RADAR_DOOR, until=20 * MIN, every=60.0)
    assert all(rarely[t] == often[t] for t in rarely)


def test_sources_not_in_the_settings_are_learnt_from_their_signals() -> None:
    estimator = FusionEstimator()
    estimator.observe(Signal("presence", "radar-x", 0.0, 1.0))
    estimator.observe(Signal("desk", "seat-7", 0.0, 1.0, desk="d7"))
    estimate = estimator.estimate(60.0)
    assert estimate.occupied and estimate.desks == {"d7": True}
    assert set(estimate.signals) == {"radar-x", "seat-7"}


def test_a_late_signal_counts_in_the_current_step() -> None:
    estimator = FusionEstimator()
    estimator.estimate(100.0)
    estimator.observe(Signal("speech", "speech", 90.0, 1.0))  # stamped before the last answer
    assert estimator.estimate(110.0).occupied


def test_the_seal_outweighs_a_radar_and_a_counter_that_lost_a_still_person() -> None:
    settings = room(("pir", "pir"), ("radar", "presence"), ("door", "door"), ("cam", "count"))
    score = entry(Score()).level("presence", "radar", 62, 5 * MIN)  # the radar loses them at 5 min
    for at in range(5 * 60, 60 * 60, 10):
        score.count("cam", at, 0, confidence=0.9)  # and so does the counter
    fused = score.play(settings, until=60 * MIN)
    assert occupied_between(fused, 2 * MIN, 60 * MIN)
    assert fused[60 * MIN].signals == ("door_sealed",)


def test_a_fan_making_the_radar_fire_for_half_a_minute_does_not_fill_a_room() -> None:
    score = Score().level("presence", "radar", 10 * MIN, 10 * MIN + 30)
    score.level("presence", "radar", 14 * MIN, 14 * MIN + 20)
    fused = score.play(room(("pir", "pir"), ("radar", "presence")), until=20 * MIN, every=5.0)
    assert vacant_between(fused, 0, 20 * MIN)


def test_blips_in_a_closed_empty_room_with_a_quiet_radar_do_not_seal_it() -> None:
    # Two PIR pulses a minute apart (a warm draught): occupied for a minute, then not, no seal.
    score = Score().door("door", 0, closed=True)
    score.level("pir", "pir", 10 * MIN, 10 * MIN + 2).level("pir", "pir", 11 * MIN, 11 * MIN + 2)
    fused = score.play(PIR_RADAR_DOOR, until=30 * MIN, every=5.0)
    released = first_vacant_after(fused, 11 * MIN + 10)
    assert released is not None and released <= 13 * MIN
    assert vacant_between(fused, released, 30 * MIN)


def test_a_jacket_on_a_seat_pad_keeps_the_desk_but_not_the_room() -> None:
    settings = room(("pir", "pir"), ("radar", "presence"), ("pad", "desk"), desks=("d1",), pad="d1")
    score = Score().level("desk", "pad", 60, None, desk="d1")  # the pad stays high all along
    score.level("presence", "radar", 50, 26 * MIN).pulses("pir", 50, 26 * MIN, every=90)
    fused = score.play(settings, until=50 * MIN)
    assert occupied_between(fused, 2 * MIN, 26 * MIN)
    released = first_vacant_after(fused, 26 * MIN)
    assert released is not None and released <= 29 * MIN  # the room's radar and PIR decide
    assert fused[50 * MIN].desks == {"d1": True}  # the desk is reserved by the jacket


def test_door_beams_that_lost_count_do_not_hold_an_empty_room() -> None:
    # Four left together, the beams counted two out: they keep saying 2 in an empty room.
    settings = FusionSettings(
        sensors=(
            FusionSensor(id="pir", signal="pir"),
            FusionSensor(id="radar", signal="presence"),
            FusionSensor(id="beams", signal="count", accumulates=True),
        )
    )
    score = Score().level("presence", "radar", 0, 20 * MIN).pulses("pir", 0, 20 * MIN, every=30)
    for at in range(0, 50 * 60, 5):
        score.count("beams", at, 4 if at < 20 * 60 else 2, confidence=0.9)
    fused = score.play(settings, until=50 * MIN)
    assert fused[10 * MIN].band == 4  # beams do not saturate: bands up to 5
    released = first_vacant_after(fused, 20 * MIN)
    assert released is not None and released <= 26 * MIN


def test_co2_still_rising_over_ten_minutes_after_people_left_is_not_evidence() -> None:
    # 20 min of a meeting raising CO2 by 10 ppm/min, then everyone leaves at 20 min and it decays
    # at 4 ppm/min: the 10-minute slope still rises for minutes, the last three minutes fall.
    score = Score().pulses("pir", 60, 20 * MIN, every=20)
    for i in range(0, 40 * 6):
        at = i * 10.0
        ppm = 500 + 10 * at / 60 if at <= 20 * MIN else 700 - 4 * (at - 20 * MIN) / 60
        score.co2(at, ppm)
    pir = room(("pir", "pir"))
    long_slope_only = pir.model_copy(
        update={"tuning": FusionSection.model_validate({"co2": {"recent": 600}})}
    )
    without = Score([s for s in score.signals if s.kind != "co2"])
    released = {
        name: first_vacant_after(s.play(settings, until=40 * MIN, every=5.0), 20 * MIN)
        for name, s, settings in (
            ("fused", score, pir),
            ("pir", without, pir),
            ("long", score, long_slope_only),
        )
    }
    assert None not in released.values(), released
    # CO2 holds the room about half the recent window longer than PIR silence alone would;
    # trusting the 10-minute slope alone would hold it minutes longer still.
    assert released["fused"] <= released["pir"] + 2.5 * MIN  # type: ignore[operator]
    assert released["long"] > released["fused"] + 2 * MIN, released  # type: ignore[operator]


def test_a_door_opened_on_a_sealed_room_then_nothing_seen_is_a_departure() -> None:
    score = entry(Score())
    # At 30 min everyone leaves: door open, pulses on the way out, and the door stays open.
    score.door("door", 30 * MIN, closed=False).pulses("pir", 30 * MIN + 1, 30 * MIN + 6, every=2)
    fused = score.play(PIR_DOOR, until=40 * MIN, every=5.0)
    assert fused[30 * MIN].occupied
    released = first_vacant_after(fused, 30 * MIN)
    # Without the departure the PIR alone would take about five minutes (the old hold).
    assert released is not None and released <= 30 * MIN + 2 * MIN
    assert "door_opened" in fused[released].signals


def test_someone_seen_after_the_door_opened_means_they_stayed() -> None:
    score = entry(Score())
    # At 30 min one of two leaves; the other moves 15 s later and 4 min later, then sits still.
    score.door("door", 30 * MIN, closed=False).pulses("pir", 30 * MIN + 1, 30 * MIN + 4, every=2)
    score.door("door", 30 * MIN + 5, closed=True)
    score.level("pir", "pir", 30 * MIN + 15, 30 * MIN + 17)
    score.level("pir", "pir", 34 * MIN, 34 * MIN + 2)
    fused = score.play(PIR_DOOR, until=60 * MIN, every=5.0)
    # Seen after the close: sealed again, however still the one who stayed sits.
    assert occupied_between(fused, 30 * MIN, 60 * MIN)
