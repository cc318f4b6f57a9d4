"""VoiceActivity on real speech, silence and noise; ActivityFlag on made-up events."""

import numpy as np
import pytest

from speech.audio.ring import RingBuffer
from speech.audio.source import SAMPLE_RATE
from speech.vad.activity import ActivityFlag, VoiceActivity
from speech.vad.endpointer import Endpointer, EndpointerSettings, SpeechStarted, UtteranceEnded
from speech.vad.silero import SileroVad
from tests.speech import audio_fixtures
from tests.speech.audio_fixtures import silence, speech_extent, white_noise

sentences = audio_fixtures.sentences  # the session fixture: Piper speech


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


def feed_in_blocks(activity: VoiceActivity, audio: np.ndarray, block: int) -> list:
    events = []
    for start in range(0, len(audio), block):
        events += activity.feed(audio[start : start + block])
    return events + activity.finish()


def test_two_sentences_make_two_utterances_covering_the_speech(
    vad: SileroVad, sentences: list[np.ndarray]
) -> None:
    first, second = sentences
    audio = np.concatenate([silence(1.0), first, silence(1.5), second, silence(1.5)])
    activity = VoiceActivity(vad, Endpointer())
    ring = RingBuffer(capacity_s=60)
    events = []
    for start in range(0, len(audio), 1000):  # odd block size: remainders carried over
        block = audio[start : start + 1000]
        ring.write(block)
        events += activity.feed(block)
    events += activity.finish()
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    started = [e for e in events if isinstance(e, SpeechStarted)]
    assert [e.reason for e in ended] == ["silence", "silence"]
    assert [s.start_sample for s in started] == [e.start_sample for e in ended]
    offset = len(silence(1.0))
    s1, e1 = speech_extent(first)
    s2, e2 = speech_extent(second)
    s2 += offset + len(first) + len(silence(1.5))
    e2 += offset + len(first) + len(silence(1.5))
    assert ended[0].start_sample <= offset + s1 and ended[0].end_sample >= offset + e1
    assert ended[1].start_sample <= s2 and ended[1].end_sample >= e2
    assert ended[0].end_sample < ended[1].start_sample
    # The utterance can be cut out of the stream afterwards.
    cut = ring.read(ended[1].start_sample, ended[1].end_sample)
    assert len(cut) == ended[1].end_sample - ended[1].start_sample


@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_silence_and_noise_make_no_utterance(vad: SileroVad, kind: str) -> None:
    audio = silence(30.0) if kind == "silence" else white_noise(30.0, level=0.1, seed=7)
    changes: list[tuple[bool, float]] = []
    activity = VoiceActivity(vad, Endpointer(), ActivityFlag(lambda a, t: changes.append((a, t))))
    assert feed_in_blocks(activity, audio, 8000) == []
    assert changes == []
    assert activity.position == len(audio) // 512 * 512


def test_tiny_blocks_give_the_same_events_as_big_ones(
    vad: SileroVad, sentences: list[np.ndarray]
) -> None:
    audio = np.concatenate([silence(0.5), sentences[0], silence(1.0)])
    big = feed_in_blocks(VoiceActivity(vad, Endpointer()), audio, 16000)
    small = feed_in_blocks(VoiceActivity(vad, Endpointer()), audio, 300)
    assert big == small and len(big) == 2


def test_flag_follows_real_speech(vad: SileroVad, sentences: list[np.ndarray]) -> None:
    audio = np.concatenate([silence(1.0), sentences[0], silence(8.0)])
    changes: list[tuple[bool, float]] = []
    flag = ActivityFlag(lambda a, t: changes.append((a, t)), hold_s=5.0)
    events = feed_in_blocks(VoiceActivity(vad, Endpointer(), flag), audio, 4000)
    started, ended = events
    assert isinstance(ended, UtteranceEnded)
    assert changes == [
        (True, started.start_sample / SAMPLE_RATE),
        (False, ended.end_sample / SAMPLE_RATE + 5.0),
    ]


def test_flag_holds_across_short_pauses_and_goes_off_after_hold() -> None:
    changes: list[tuple[bool, float]] = []
    flag = ActivityFlag(lambda a, t: changes.append((a, t)), hold_s=5.0, sample_rate=1000)
    flag.update([SpeechStarted(300)], 700)
    flag.update([UtteranceEnded(300, 2000, "silence")], 2500)
    flag.update([], 6900)  # 4.9 s since the end: still on
    flag.update([SpeechStarted(6800)], 7200)  # talking again: stays on, no new change
    flag.update([UtteranceEnded(6800, 9000, "silence")], 9500)
    flag.advance(13_999)
    assert changes == [(True, 0.3)]
    flag.advance(14_100)
    assert changes == [(True, 0.3), (False, 14.0)]
    flag.advance(30_000)
    assert len(changes) == 2


def test_flag_changes_stay_in_time_order() -> None:
    changes: list[tuple[bool, float]] = []
    flag = ActivityFlag(lambda a, t: changes.append((a, t)), hold_s=1.0, sample_rate=1000)
    flag.on_event(SpeechStarted(0))
    flag.on_event(UtteranceEnded(0, 1000, "silence"))
    flag.advance(2100)  # off at 2.0 s
    flag.on_event(SpeechStarted(1900))  # confirmed after the flag went off, started before
    assert changes == [(True, 0.0), (False, 2.0), (True, 2.0)]


def test_flag_stays_on_through_a_max_length_cut() -> None:
    changes: list[tuple[bool, float]] = []
    flag = ActivityFlag(lambda a, t: changes.append((a, t)), hold_s=0.0, sample_rate=1000)
    flag.update([SpeechStarted(0)], 300)
    flag.update([UtteranceEnded(0, 30_000, "max_length"), SpeechStarted(30_000)], 30_000)
    assert changes == [(True, 0.0)]
    flag.finish(31_000)
    assert changes == [(True, 0.0), (False, 31.0)]


def test_endpointer_with_another_window_is_refused(vad: SileroVad) -> None:
    with pytest.raises(ValueError):
        VoiceActivity(vad, Endpointer(EndpointerSettings(), window=256))
