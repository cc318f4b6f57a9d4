"""Endpointer logic on made-up probability sequences (one per 512-sample window)."""

import itertools
import math

import pytest

from speech.vad.endpointer import (
    Endpointer,
    EndpointerSettings,
    Event,
    SpeechStarted,
    UtteranceEnded,
)

W = 512
RATE = 16_000


def windows(seconds: float) -> int:
    return math.ceil(seconds * RATE / W)


def run(ep: Endpointer, probs: list[float], finish: bool = True) -> list[tuple[int, Event]]:
    """(window index at which it was emitted, event) for every event."""
    out: list[tuple[int, Event]] = []
    for i, p in enumerate(probs):
        out += [(i, e) for e in ep.feed(p)]
    if finish:
        out += [(len(probs), e) for e in ep.finish()]
    return out


def no_pad(**kw: float) -> EndpointerSettings:
    return EndpointerSettings(pad_before_s=0.0, pad_after_s=0.0, **kw)


def test_starts_after_start_speech_with_the_runs_first_window_as_start() -> None:
    ep = Endpointer(no_pad())
    probs = [0.0] * 20 + [0.9] * 30
    events = run(ep, probs, finish=False)
    assert events == [(20 + windows(0.3) - 1, SpeechStarted(20 * W))]
    assert ep.active


def test_short_blips_are_ignored() -> None:
    ep = Endpointer()
    blip = [0.95] * (windows(0.3) - 1)
    probs = ([0.0] * 10 + blip) * 5 + [0.0] * 50
    assert run(ep, probs) == []
    assert not ep.active


def test_ends_after_end_silence_with_padding() -> None:
    ep = Endpointer()
    probs = [0.0] * 20 + [0.9] * 40 + [0.0] * 40
    events = run(ep, probs)
    start, end = 20 * W - round(0.3 * RATE), 60 * W + round(0.3 * RATE)
    assert events[0] == (29, SpeechStarted(start))
    # The 22nd silent window (0.7 s rounded up to whole windows) closes it.
    assert events[1] == (60 + windows(0.7) - 1, UtteranceEnded(start, end, "silence"))
    assert len(events) == 2


def test_custom_end_silence() -> None:
    ep = Endpointer(no_pad(end_silence_s=2.0))
    probs = [0.9] * 20 + [0.0] * windows(1.5) + [0.9] * 20 + [0.0] * 80
    events = [e for _, e in run(ep, probs)]
    # 1.5 s of silence does not end it: one utterance across the pause.
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert ended == [UtteranceEnded(0, (40 + windows(1.5)) * W, "silence")]


def test_shorter_end_silence_splits_at_a_pause() -> None:
    ep = Endpointer(no_pad(end_silence_s=0.5))
    probs = [0.9] * 20 + [0.0] * windows(1.0) + [0.9] * 20 + [0.0] * 40
    ended = [e for _, e in run(ep, probs) if isinstance(e, UtteranceEnded)]
    assert [e.reason for e in ended] == ["silence", "silence"]
    assert ended[0] == UtteranceEnded(0, 20 * W, "silence")


def test_padding_is_clamped_at_stream_start_and_end() -> None:
    ep = Endpointer(EndpointerSettings(pad_before_s=1.0, pad_after_s=1.0))
    probs = [0.0] * 3 + [0.9] * 20
    events = [e for _, e in run(ep, probs)]
    assert events == [SpeechStarted(0), UtteranceEnded(0, 23 * W, "end_of_stream")]


def test_padding_does_not_overlap_the_previous_utterance() -> None:
    ep = Endpointer(EndpointerSettings(end_silence_s=0.1, pad_before_s=1.0, pad_after_s=1.0))
    probs = [0.9] * 20 + [0.0] * 5 + [0.9] * 20 + [0.0] * 10
    ended = [e for _, e in run(ep, probs) if isinstance(e, UtteranceEnded)]
    assert len(ended) == 2
    assert ended[1].start_sample == ended[0].end_sample


def test_max_length_cuts_and_continues_at_once() -> None:
    ep = Endpointer(no_pad(max_utterance_s=2.0))
    limit = 2 * RATE
    probs = [0.9] * windows(5.0) + [0.0] * 40
    events = [e for _, e in run(ep, probs)]
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert [e.reason for e in ended] == ["max_length", "max_length", "silence"]
    assert ended[0].start_sample == 0
    for prev, nxt in itertools.pairwise(ended):
        assert nxt.start_sample == prev.end_sample  # no gap, no overlap
    assert all(0 < e.end_sample - e.start_sample <= limit for e in ended)
    assert ended[-1].end_sample == windows(5.0) * W
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    assert [s.start_sample for s in starts] == [e.start_sample for e in ended]


def test_max_length_reached_in_trailing_silence_does_not_reopen() -> None:
    ep = Endpointer(no_pad(max_utterance_s=1.0, end_silence_s=0.7))
    probs = [0.9] * 25 + [0.0] * 40
    events = [e for _, e in run(ep, probs)]
    assert events == [SpeechStarted(0), UtteranceEnded(0, 25 * W, "max_length")]


def test_hysteresis_keeps_state_between_thresholds() -> None:
    ep = Endpointer(no_pad())
    # 0.4 lies between neg_threshold and threshold: it counts as whatever came before.
    probs = [0.4] * 30 + [0.9] * 10 + [0.4] * 60 + [0.2] * 30
    events = [e for _, e in run(ep, probs, finish=False)]
    assert events == [SpeechStarted(30 * W), UtteranceEnded(30 * W, 100 * W, "silence")]


def test_a_wavering_start_run_is_reset_by_silence_only() -> None:
    ep = Endpointer(no_pad())
    # Nine speech-ish windows (one short of 0.3 s), then one silent window: no start.
    probs = [0.9] * 4 + [0.4] * 4 + [0.9] + [0.1] + [0.9] * 10
    events = [e for _, e in run(ep, probs, finish=False)]
    assert events == [SpeechStarted(10 * W)]
    ep2 = Endpointer(no_pad())
    events2 = [e for _, e in run(ep2, [0.9] * 5 + [0.4] * 5 + [0.0] * 5, finish=False)]
    assert events2 == [SpeechStarted(0)]


def test_finish_closes_an_open_utterance_and_drops_a_short_run() -> None:
    ep = Endpointer()
    events = [e for _, e in run(ep, [0.9] * 20)]
    assert events[-1] == UtteranceEnded(0, 20 * W, "end_of_stream")
    assert not ep.active
    assert ep.finish() == []
    assert [e for _, e in run(Endpointer(), [0.9] * 3)] == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0.0},
        {"threshold": 1.5},
        {"threshold": 0.4, "neg_threshold": 0.5},
        {"neg_threshold": 0.0},
        {"start_speech_s": 0.0},
        {"end_silence_s": -1.0},
        {"pad_before_s": -0.1},
        {"max_utterance_s": 0.5},
    ],
)
def test_settings_are_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EndpointerSettings(**kwargs)
