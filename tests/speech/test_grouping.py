"""Short utterances wait for the next one, within bounds (pure logic, sample positions)."""

import pytest

from speech.grouping import GroupingSettings, UtteranceGrouper

RATE = 100  # samples per second: positions below read as hundredths of a second


def grouper(
    min_group_s: float = 6.0, max_gap_s: float = 2.0, max_group_s: float = 30.0
) -> UtteranceGrouper:
    return UtteranceGrouper(GroupingSettings(min_group_s, max_gap_s, max_group_s), RATE)


def test_a_long_utterance_goes_at_once() -> None:
    assert grouper().ended(0, 700) == [(0, 700)]


def test_short_utterances_are_grouped_until_long_enough() -> None:
    g = grouper()
    assert g.ended(0, 200) == []
    assert g.started(300) == []
    assert g.ended(300, 450) == []
    assert g.ended(500, 650) == [(0, 650)]  # 6.5 s from the first one's start
    assert g.waiting is None


def test_a_long_pause_sends_what_waits() -> None:
    g = grouper()
    g.ended(0, 200)
    assert g.advance(350, speaking=False) == []  # 1.5 s of silence: still waiting
    assert g.advance(401, speaking=False) == [(0, 200)]


def test_no_release_while_someone_speaks() -> None:
    g = grouper()
    g.ended(0, 200)
    assert g.advance(500, speaking=True) == []


def test_an_utterance_after_a_long_pause_starts_a_new_group() -> None:
    g = grouper()
    g.ended(0, 200)
    assert g.started(500) == [(0, 200)]
    assert g.ended(500, 600) == []
    assert g.finish() == [(500, 600)]


def test_a_group_never_grows_past_the_whisper_window() -> None:
    g = grouper(min_group_s=40.0)
    assert g.ended(0, 2500) == []
    assert g.ended(2600, 3200) == [(0, 2500)]  # 32 s together: the first goes alone
    assert g.finish() == [(2600, 3200)]


def test_zero_means_every_utterance_alone() -> None:
    g = grouper(min_group_s=0.0)
    assert g.ended(0, 50) == [(0, 50)]
    assert g.ended(60, 80) == [(60, 80)]


def test_negative_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        GroupingSettings(min_group_s=-1.0)
