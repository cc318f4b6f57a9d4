"""Short utterances are grouped before Whisper hears them.

Whisper is trained on 30 s windows and guesses badly from two seconds of audio: alone,
"And so my fellow Americans" (jfk.flac's first 2 s) comes out of tiny.en as "And so am I
fellow Americans", while the same words followed by the rest of the sentence come out right.
So a finished utterance shorter than ``min_group_s`` waits for the next one, for at most
``max_gap_s`` of silence; the group goes to Whisper once it is long enough, when the pause
runs longer, or when the stream ends. The extra latency is bounded by ``max_gap_s``. Voice
commands, which want each utterance at once, set ``min_group_s`` to 0.

Pure logic on sample positions, no audio: the pipeline cuts the audio of each span it gets.
"""

from dataclasses import dataclass

Span = tuple[int, int]  # first sample, end sample (exclusive)


@dataclass(frozen=True)
class GroupingSettings:
    min_group_s: float = 6.0  # 0: every utterance on its own
    max_gap_s: float = 2.0  # a longer pause sends what is waiting
    max_group_s: float = 30.0  # Whisper's window

    def __post_init__(self) -> None:
        if self.min_group_s < 0 or self.max_gap_s < 0 or self.max_group_s <= 0:
            raise ValueError("grouping durations must not be negative")


class UtteranceGrouper:
    def __init__(self, settings: GroupingSettings, sample_rate: int) -> None:
        self._min = round(settings.min_group_s * sample_rate)
        self._gap = round(settings.max_gap_s * sample_rate)
        self._max = round(settings.max_group_s * sample_rate)
        self._waiting: Span | None = None

    @property
    def waiting(self) -> Span | None:
        return self._waiting

    def started(self, start: int) -> list[Span]:
        """An utterance began at ``start``: a group waiting across a long pause goes now."""
        if self._waiting is not None and start - self._waiting[1] > self._gap:
            return self._release()
        return []

    def ended(self, start: int, end: int) -> list[Span]:
        """An utterance ended: returns the spans ready for transcription (maybe none yet)."""
        ready: list[Span] = []
        if self._waiting is not None:
            if end - self._waiting[0] > self._max or start - self._waiting[1] > self._gap:
                ready += self._release()
            else:
                start = self._waiting[0]
        self._waiting = (start, end)
        if end - start >= self._min:
            ready += self._release()
        return ready

    def advance(self, position: int, speaking: bool) -> list[Span]:
        """The stream reached ``position``; a group whose pause ran out goes now."""
        if self._waiting is not None and not speaking and position - self._waiting[1] > self._gap:
            return self._release()
        return []

    def finish(self) -> list[Span]:
        return self._release() if self._waiting is not None else []

    def _release(self) -> list[Span]:
        span, self._waiting = self._waiting, None
        return [span] if span is not None else []
