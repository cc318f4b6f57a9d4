"""The streaming pipeline: audio blocks in, transcript segments out as each utterance ends.

    source blocks -> ring buffer (the last ~40 s of audio, in memory only)
                  -> voice activity (Silero VAD per 512 samples + endpointer)
                  -> utterance ended: cut it (with padding) out of the ring; short ones
                     are grouped with the next (speech.grouping: Whisper needs context)
                  -> Whisper -> segments (start, end, text, final)

Only what the VAD calls speech reaches Whisper, which is both the hallucination defence
(silence and noise never get transcribed) and what keeps a 2-core terminal fast. With
``interim_every_s`` set, an utterance still being spoken is also transcribed every so many
seconds and emitted with ``final=False`` (for live captions); the final segments replace
them. The speech-activity flag (``on_activity``) is derived from the same VAD: never audio.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from speech.audio.ring import RingBuffer
from speech.audio.source import SAMPLE_RATE, AudioSource
from speech.grouping import GroupingSettings, UtteranceGrouper
from speech.prompt import MAX_CONTEXT_CHARS, Prompt, with_context
from speech.segments import Segment
from speech.transcriber import Transcriber, join_pieces
from speech.vad.activity import ActivityFlag, VoiceActivity
from speech.vad.endpointer import Endpointer, EndpointerSettings, SpeechStarted, UtteranceEnded
from speech.vad.silero import SileroVad

ActivityCallback = Callable[[bool, float], None]  # (speaking, seconds from stream start)

# After this much silence the previous text no longer helps (a new topic, a new speaker).
CONTEXT_GAP_S = 30.0


@dataclass(frozen=True)
class StreamSettings:
    endpointing: EndpointerSettings = field(default_factory=EndpointerSettings)
    # Interim hypotheses of an open utterance every so many seconds (None: finals only).
    interim_every_s: float | None = None
    prompt: Prompt | None = None  # the domain prompt (speech.prompt.domain_prompt)
    vad_threads: int = 1
    # The speech-activity flag stays on this long after the last utterance.
    activity_hold_s: float = 5.0
    grouping: GroupingSettings = field(default_factory=GroupingSettings)
    # The end of the previous final text goes into the prompt (as offline Whisper does with
    # condition_on_previous_text): names and the topic carry over from one utterance to the
    # next. Cleared after a long silence, so one invented sentence cannot feed the next.
    carry_context: bool = True


class StreamingTranscriber:
    """Feed it blocks from one stream; not thread-safe (one stream, one thread)."""

    def __init__(
        self,
        transcriber: Transcriber,
        settings: StreamSettings | None = None,
        on_activity: ActivityCallback | None = None,
        vad: SileroVad | None = None,
    ) -> None:
        self.settings = settings or StreamSettings()
        self._transcriber = transcriber
        endpointing = self.settings.endpointing
        flag = ActivityFlag(on_activity, self.settings.activity_hold_s) if on_activity else None
        self._activity = VoiceActivity(
            vad or SileroVad(threads=self.settings.vad_threads), Endpointer(endpointing), flag
        )
        # Room for the longest utterance with its padding, and a margin for the endpointer's lag.
        held_s = endpointing.max_utterance_s + endpointing.pad_before_s + endpointing.pad_after_s
        held_s = max(held_s, self.settings.grouping.max_group_s)
        self._ring = RingBuffer(capacity_s=held_s + 10.0)
        self._groups = UtteranceGrouper(self.settings.grouping, SAMPLE_RATE)
        self._open_since: int | None = None  # first sample of the utterance being spoken
        self._last_interim = 0
        self.utterances = 0
        self._context = ""  # the end of the final text so far (carry_context)
        self._context_end = 0  # the sample where that text's audio ended

    @property
    def position_s(self) -> float:
        """How much audio has been fed, in seconds."""
        return self._ring.total / SAMPLE_RATE

    def feed(self, samples: np.ndarray) -> list[Segment]:
        """Take the next block; return the segments of utterances it completed."""
        self._ring.write(samples)
        out = self._handle(self._activity.feed(samples))
        speaking = self._open_since is not None
        for start, end in self._groups.advance(self._activity.position, speaking):
            out += self._transcribe(start, end)
        return out + self._interim()

    def finish(self) -> list[Segment]:
        """The stream ended: transcribe the utterance still open, if any."""
        out = self._handle(self._activity.finish())
        for start, end in self._groups.finish():
            out += self._transcribe(start, end)
        return out

    def run(self, source: AudioSource) -> Iterator[Segment]:
        """Everything the source yields, until it ends (for a microphone: until closed)."""
        try:
            for block in source.blocks():
                yield from self.feed(block)
            yield from self.finish()
        finally:
            source.close()

    def _handle(self, events: list[SpeechStarted | UtteranceEnded]) -> list[Segment]:
        out: list[Segment] = []
        for event in events:
            if isinstance(event, SpeechStarted):
                spans = self._groups.started(event.start_sample)
                self._open_since = self._last_interim = event.start_sample
            else:
                spans = self._groups.ended(event.start_sample, event.end_sample)
                self._open_since = None
                self.utterances += 1
            for start, end in spans:
                out.extend(self._transcribe(start, end))
        return out

    def _interim(self) -> list[Segment]:
        every = self.settings.interim_every_s
        if every is None or self._open_since is None:
            return []
        now = self._ring.total
        if now - self._last_interim < every * SAMPLE_RATE:
            return []
        self._last_interim = now
        waiting = self._groups.waiting
        segments = self._transcribe(waiting[0] if waiting else self._open_since, now, final=False)
        return [Segment(s.start, s.end, s.text, False, s.language) for s in segments]

    def _transcribe(self, start: int, end: int, final: bool = True) -> list[Segment]:
        start = max(start, self._ring.oldest)
        audio = self._ring.read(start, end)
        if start - self._context_end > CONTEXT_GAP_S * SAMPLE_RATE:
            self._context = ""
        prompt = with_context(self.settings.prompt, self._context)
        result = self._transcriber.transcribe(audio, offset_s=start / SAMPLE_RATE, prompt=prompt)
        if final and self.settings.carry_context and result.segments:
            texts = [self._context, *(segment.text for segment in result.segments)]
            self._context = join_pieces(texts)[-MAX_CONTEXT_CHARS:]
            self._context_end = end
        return result.segments
