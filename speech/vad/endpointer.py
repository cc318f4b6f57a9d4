"""Where utterances start and end, from one speech probability per VAD window.

Pure logic: it counts the windows it is fed, so every event carries absolute sample
positions in the stream (0 = the stream's first sample).

- A window is speech when its probability is >= ``threshold``, silence when it is
  < ``neg_threshold``; in between it keeps the current state (hysteresis, so a wavering
  probability does not chop an utterance).
- An utterance starts once speech has lasted ``start_speech_s`` (a door slam does not);
  its start is the first speech window of that run, not the moment it was confirmed.
- It ends after ``end_silence_s`` of silence, or is cut at ``max_utterance_s`` (Whisper's
  window), or at the end of the stream.
- Bounds are padded by ``pad_before_s``/``pad_after_s``, clamped to the stream seen so far
  and to the end of the previous utterance (no audio is handed over twice).
"""

import math
from dataclasses import dataclass
from typing import Literal

EndReason = Literal["silence", "max_length", "end_of_stream"]


@dataclass(frozen=True)
class EndpointerSettings:
    threshold: float = 0.5
    neg_threshold: float = 0.35
    start_speech_s: float = 0.3
    end_silence_s: float = 0.7
    pad_before_s: float = 0.3
    pad_after_s: float = 0.3
    max_utterance_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0 < self.neg_threshold <= self.threshold:
            raise ValueError(
                f"neg_threshold must be in (0, threshold={self.threshold}], "
                f"got {self.neg_threshold}"
            )
        for name in ("start_speech_s", "end_silence_s", "max_utterance_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("pad_before_s", "pad_after_s"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.max_utterance_s <= self.start_speech_s + self.pad_before_s:
            raise ValueError(
                "max_utterance_s must be longer than start_speech_s + pad_before_s, "
                f"got {self.max_utterance_s}"
            )


@dataclass(frozen=True)
class SpeechStarted:
    """An utterance is confirmed; ``start_sample`` is its padded start (the same as in the
    :class:`UtteranceEnded` that will close it)."""

    start_sample: int


@dataclass(frozen=True)
class UtteranceEnded:
    """Padded bounds ``[start_sample, end_sample)`` of a finished utterance."""

    start_sample: int
    end_sample: int
    reason: EndReason


Event = SpeechStarted | UtteranceEnded


class Endpointer:
    """Feed one probability per ``window`` samples, in order; get events back."""

    def __init__(
        self,
        settings: EndpointerSettings | None = None,
        sample_rate: int = 16_000,
        window: int = 512,
    ) -> None:
        self.settings = s = settings or EndpointerSettings()
        self.sample_rate = sample_rate
        self.window = window
        # Durations in whole windows, rounded up: "at least this long".
        self._start_windows = max(1, math.ceil(s.start_speech_s * sample_rate / window - 1e-9))
        self._end_windows = max(1, math.ceil(s.end_silence_s * sample_rate / window - 1e-9))
        self._pad_before = round(s.pad_before_s * sample_rate)
        self._pad_after = round(s.pad_after_s * sample_rate)
        self._max = round(s.max_utterance_s * sample_rate)
        self._windows = 0  # windows fed so far
        self._speech = False  # hysteresis state of the last window
        self._run_start = 0  # first window of the current speech run (when idle)
        self._run = 0  # windows in the current speech run (when idle)
        self._active = False
        self._start = 0  # padded start of the open utterance
        self._last_speech_end = 0  # sample after the last speech window of the open one
        self._silence = 0  # silence windows since then
        self._prev_end = 0  # end of the previous utterance

    @property
    def active(self) -> bool:
        """Whether an utterance is open."""
        return self._active

    @property
    def position(self) -> int:
        """Samples covered by the windows fed so far."""
        return self._windows * self.window

    @property
    def settled_utterance(self) -> tuple[int, int] | None:
        """``(start, end)`` of the open utterance once its trailing silence has covered the
        end padding: exactly the bounds it will end with, unless speech resumes (or it is
        cut for length). None otherwise. What a listener may start decoding early."""
        if not self._active or self._silence == 0:
            return None
        end = self._last_speech_end + self._pad_after
        if self.position < end:
            return None
        return self._start, end

    def _is_speech(self, probability: float) -> bool:
        if probability >= self.settings.threshold:
            return True
        if probability < self.settings.neg_threshold:
            return False
        return self._speech

    def feed(self, probability: float) -> list[Event]:
        speech = self._speech = self._is_speech(probability)
        pos = self.position  # first sample of this window
        self._windows += 1
        events: list[Event] = []
        if self._active and pos + self.window - self._start > self._max:
            events += self._cut(pos, speech)
        if self._active:
            if speech:
                self._last_speech_end = pos + self.window
                self._silence = 0
            else:
                self._silence += 1
                if self._silence >= self._end_windows:
                    events.append(self._close("silence"))
        elif speech:
            if self._run == 0:
                self._run_start = self._windows - 1
            self._run += 1
            if self._run >= self._start_windows:
                start = max(self._run_start * self.window - self._pad_before, self._prev_end)
                events.append(self._open(start, self.position))
        else:
            self._run = 0  # too short: a blip
        return events

    def _cut(self, pos: int, speech: bool) -> list[Event]:
        """The open utterance would pass max length with this window: end it before."""
        if not speech:  # speech had stopped: end as on silence, but for length
            return [self._close("max_length", limit=pos)]
        ended = UtteranceEnded(self._start, pos, "max_length")
        self._active = False
        self._prev_end = pos
        return [ended, self._open(pos, pos)]

    def _open(self, start: int, last_speech_end: int) -> SpeechStarted:
        self._active = True
        self._start = start
        self._last_speech_end = last_speech_end
        self._silence = 0
        self._run = 0
        return SpeechStarted(start)

    def _close(self, reason: EndReason, limit: int | None = None) -> UtteranceEnded:
        end = min(self._last_speech_end + self._pad_after, self.position)
        if limit is not None:
            end = min(end, limit)
        ended = UtteranceEnded(self._start, max(end, self._start), reason)
        self._active = False
        self._prev_end = ended.end_sample
        self._run = 0
        return ended

    def finish(self) -> list[Event]:
        """End of stream: close an open utterance. A speech run too short to have started
        one is dropped."""
        self._run = 0
        if not self._active:
            return []
        return [self._close("end_of_stream")]
