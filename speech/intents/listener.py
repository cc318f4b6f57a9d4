"""Voice commands from a live stream: push-to-talk or the wake phrase, then the grammar.

    blocks -> ring buffer -> voice activity (Silero VAD + endpointer)
           -> the utterance's trailing silence reaches the end padding (0.3 s):
              decode it now, in the background (the person has stopped talking, but the
              endpointer waits 0.7 s of silence before it calls the utterance over)
           -> the utterance ends: take the early result if its audio was exactly the
              utterance's (speech did not resume), else decode now
           -> a trigger? (push-to-talk armed, or the wake phrase at the start of the text)
           -> the matcher -> HeardCommand
              (with grammar rescoring: the grammar's best readings said again and scored by
              Whisper under the same audio, speech.intents.rescoring; in the early decode too)

The early decode is what makes a command fast: on this 2-core machine tiny.en needs about
0.35 s for a short command (it always encodes a 30 s window), which the 0.4 s between the
end padding and the end decision mostly hides. Its result is the same as a late decode's,
because the audio is the same, sample for sample (``Endpointer.settled_utterance``).

Utterances without a trigger are dropped with their text: nothing of them is kept or returned.
"""

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from speech.audio.ring import RingBuffer
from speech.audio.source import SAMPLE_RATE
from speech.intents.matcher import IntentResult, Matcher
from speech.intents.rescoring import Rescoring, RescoringSettings, TextScorer, choose, rescore
from speech.intents.wake import Spotted, WakePhrases
from speech.prompt import Prompt
from speech.transcriber import Transcription, join_texts
from speech.vad.activity import VoiceActivity
from speech.vad.endpointer import Endpointer, EndpointerSettings, SpeechStarted, UtteranceEnded
from speech.vad.silero import SileroVad

Trigger = Literal["ptt", "wake"]
Span = tuple[int, int]
# Whisper thought a runner-up less likely than its best text: to be taken, it must be a
# clearer match than the matcher's own threshold asks (0.75).
RUNNER_UP_CONFIDENCE = 0.9


class Decoder(Protocol):
    """``speech.transcriber.Transcriber`` or ``speech.short_window.ShortWindowTranscriber``."""

    language: str | None

    def transcribe(
        self, audio: np.ndarray, offset_s: float = 0.0, prompt: Prompt | None = None
    ) -> Transcription: ...


class ScoringDecoder(Decoder, Protocol):
    """A decoder that can also score other texts under the audio it decoded
    (``ShortWindowTranscriber``): what grammar rescoring needs."""

    def hear(
        self, audio: np.ndarray, offset_s: float = 0.0, prompt: Prompt | None = None
    ) -> tuple[Transcription, TextScorer | None]: ...


@dataclass
class Decoded:
    """What was heard, best first (the text, then the recognizer's runners-up), the scorer
    for rescoring, and the rescoring once done (in the early decode when it could be)."""

    texts: list[str]
    scorer: TextScorer | None = None
    rescoring: Rescoring | None = None


@dataclass(frozen=True)
class HeardCommand:
    start_s: float  # stream seconds (0 = the first sample fed)
    end_s: float
    text: str  # everything heard, the wake phrase included
    command_text: str  # what was matched: the wake phrase removed
    result: IntentResult  # intent None: rejected
    trigger: Trigger
    language: str
    early: bool = False  # the early decode was used (the speech had not resumed)
    # What grammar rescoring scored (None: it did not run), and the matcher's own decision
    # before it (``result`` differs when rescoring changed it).
    rescoring: Rescoring | None = None
    matched: IntentResult | None = None

    @property
    def accepted(self) -> bool:
        return self.result.intent is not None

    @property
    def wake_only(self) -> bool:
        """The wake phrase alone: the command is expected in the next utterance."""
        return self.trigger == "wake" and not self.command_text


@dataclass(frozen=True)
class ListenerSettings:
    endpointing: EndpointerSettings = field(default_factory=EndpointerSettings)
    ptt_window_s: float = 6.0  # after arm(): an utterance starting this soon is a command
    wake_follow_s: float = 6.0  # after the wake phrase alone: the same for the next one
    speculate: bool = True  # decode as soon as the trailing silence covers the padding
    # Grammar rescoring with Whisper's decoder (when the decoder can score); None: off.
    rescoring: RescoringSettings | None = field(default_factory=RescoringSettings)


class CommandListener:
    """Feed it one stream's blocks from one thread; ``arm`` may come from any thread."""

    def __init__(
        self,
        transcriber: Decoder,
        matcher: Matcher,
        *,
        wake: WakePhrases | None = None,
        prompt: Prompt | None = None,
        vad: SileroVad | None = None,
        settings: ListenerSettings | None = None,
    ) -> None:
        self.settings = settings or ListenerSettings()
        self._transcriber = transcriber
        self._matcher = matcher
        self._wake = wake
        self._prompt = self._base_prompt = prompt
        self._names: tuple[str, ...] = ()
        self._vad = vad or SileroVad(threads=1)
        self.language = transcriber.language or matcher.grammar.language or "en"
        endpointing = self.settings.endpointing
        held_s = endpointing.max_utterance_s + endpointing.pad_before_s + endpointing.pad_after_s
        self._ring = RingBuffer(capacity_s=held_s + 10.0)
        self._early = ThreadPoolExecutor(1, "command-decoder") if self.settings.speculate else None
        self._lock = threading.Lock()
        self._arm_requested = False
        self.reset()

    # --- triggers --------------------------------------------------------------------

    def arm(self) -> None:
        """Push-to-talk: the utterance under way, or the next one starting within
        ``ptt_window_s``, is a command (no wake phrase needed)."""
        with self._lock:
            self._arm_requested = True

    def set_names(self, names: Sequence[str]) -> None:
        """The people in the room (a meeting's roster), as Whisper's hints from now on: it
        writes "Ana" rather than "honest". None: the hints the listener was made with."""
        names = tuple(names)
        if names != self._names:
            self._names = names
            self._prompt = Prompt(hotwords=", ".join(names)) if names else self._base_prompt

    def reset(self) -> None:
        """A new stream (after mute, say): forget the open utterance and any trigger."""
        self._activity = VoiceActivity(self._vad, Endpointer(self.settings.endpointing))
        self._ring = RingBuffer(capacity_s=self._ring.capacity / SAMPLE_RATE)
        self._open_start: int | None = None
        self._armed: Span | None = None  # samples: an utterance starting in here is ptt
        self._wake_until: int | None = None  # an utterance starting before is "wake"
        stale: tuple[Span, Future[Decoded]] | None = getattr(self, "_pending", None)
        if stale is not None:
            stale[1].cancel()
        self._pending: tuple[Span, Future[Decoded]] | None = None
        with self._lock:
            self._arm_requested = False

    def _take_arm(self) -> None:
        with self._lock:
            requested, self._arm_requested = self._arm_requested, False
        if requested:
            now = self._ring.total
            since = self._open_start if self._open_start is not None else now
            self._armed = (since, now + round(self.settings.ptt_window_s * SAMPLE_RATE))

    def _trigger_for(self, start: int) -> Trigger | None:
        """Push-to-talk if armed for this start; the wake window; else only the phrase."""
        if self._armed is not None and self._armed[0] <= start <= self._armed[1]:
            return "ptt"
        if self._wake_until is not None and start <= self._wake_until:
            return "wake"
        return None

    # --- the stream ------------------------------------------------------------------

    def feed(self, block: np.ndarray) -> list[HeardCommand]:
        """16 kHz mono float32 samples; the commands whose utterance ended in this block."""
        self._take_arm()
        self._ring.write(block)
        heard = self._handle(self._activity.feed(block))
        self._start_early_decode()
        return heard

    def finish(self) -> list[HeardCommand]:
        return self._handle(self._activity.finish())

    def close(self) -> None:
        if self._early is not None:
            self._early.shutdown(wait=True, cancel_futures=True)

    def _handle(self, events: list[SpeechStarted | UtteranceEnded]) -> list[HeardCommand]:
        out: list[HeardCommand] = []
        for event in events:
            if isinstance(event, SpeechStarted):
                self._open_start = event.start_sample
                continue
            self._open_start = None
            heard = self._utterance(event.start_sample, event.end_sample)
            if heard is not None:
                out.append(heard)
        if self._armed is not None and self._ring.total > self._armed[1] and not self._open:
            self._armed = None  # nobody spoke after the press
        if self._wake_until is not None and self._ring.total > self._wake_until and not self._open:
            self._wake_until = None
        return out

    @property
    def _open(self) -> bool:
        return self._open_start is not None

    def _worth_decoding(self, start: int) -> bool:
        """Without a wake phrase, only push-to-talk utterances are transcribed at all."""
        return self._wake is not None or self._trigger_for(start) is not None

    def _start_early_decode(self) -> None:
        if self._early is None:
            return
        span = self._activity.endpointer.settled_utterance
        if span is None or (self._pending and self._pending[0] == span):
            return
        if not self._worth_decoding(span[0]):
            return
        if self._pending is not None:
            self._pending[1].cancel()  # speech resumed: that one is stale (if not started)
        audio = self._ring.read(*span)
        self._pending = (span, self._early.submit(self._decode, audio, span[0]))

    def _utterance(self, start: int, end: int) -> HeardCommand | None:
        trigger = self._trigger_for(start)
        if trigger is None and self._wake is None:
            return None
        early = False
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == (start, end):
            decoded, early = pending[1].result(), True
        else:
            if pending is not None:
                pending[1].cancel()
            decoded = self._decode(self._ring.read(start, end), start)
        return self._interpret(decoded, start, end, trigger, early)

    def _decode(self, audio: np.ndarray, start: int) -> Decoded:
        """Transcribe; rescore at once if the utterance already has a trigger."""
        offset_s = start / SAMPLE_RATE
        scorer: TextScorer | None = None
        hear = getattr(self._transcriber, "hear", None)
        if self.settings.rescoring is not None and hear is not None:
            result, scorer = hear(audio, offset_s=offset_s, prompt=self._prompt)
        else:
            result = self._transcriber.transcribe(audio, offset_s=offset_s, prompt=self._prompt)
        text = join_texts(result.segments)
        decoded = Decoded([text, *result.alternatives] if text else [], scorer)
        if decoded.texts and scorer is not None:
            spotted = self._wake.spot(text) if self._wake is not None else None
            if spotted is not None or self._trigger_for(start) is not None:
                decoded.rescoring = self._rescore(decoded, spotted)
        return decoded

    def _rescore(self, decoded: Decoded, spotted: Spotted | None) -> Rescoring | None:
        settings = self.settings.rescoring
        if decoded.scorer is None or settings is None or (spotted and not spotted.rest):
            return None
        commands = [self._command_part(t) for t in decoded.texts]
        prefix = spotted.heard if spotted is not None else ""
        heard = [c for c in commands if c]
        return rescore(heard, self._matcher, decoded.scorer, settings, prefix)

    def _command_part(self, text: str) -> str:
        spotted = self._wake.spot(text) if self._wake is not None else None
        return spotted.rest if spotted is not None else text

    def _interpret(
        self, decoded: Decoded, start: int, end: int, trigger: Trigger | None, early: bool
    ) -> HeardCommand | None:
        texts = decoded.texts
        if not texts:
            return None
        text = texts[0]
        command_text = text
        spotted = self._wake.spot(text) if self._wake is not None else None
        if spotted is not None:
            command_text = spotted.rest
            trigger = trigger or "wake"
        if trigger is None:
            return None  # ordinary speech: dropped, text and all
        if trigger == "ptt":
            self._armed = None  # one command per press
        elif self._wake_until is not None and spotted is None:
            self._wake_until = None  # the command that followed the phrase
        rescoring: Rescoring | None = None
        matched: IntentResult | None = None
        if spotted is not None and not command_text:
            self._wake_until = end + round(self.settings.wake_follow_s * SAMPLE_RATE)
            result = IntentResult(None, {}, 0.0, "")
        else:
            result = self._matcher.match(command_text)
            if result.intent is None:  # a runner-up may be the command Whisper nearly wrote
                result, command_text = self._runner_up(texts[1:], result, command_text)
            matched = result
            rescoring = decoded.rescoring or self._rescore(decoded, spotted)
            settings = self.settings.rescoring
            chosen = choose(rescoring, settings, result) if rescoring and settings else None
            if chosen is not None:
                result, command_text = chosen  # what Whisper's decoder preferred
        return HeardCommand(
            start / SAMPLE_RATE,
            end / SAMPLE_RATE,
            text,
            command_text,
            result,
            trigger,
            self.language,
            early,
            rescoring,
            matched,
        )

    def _runner_up(
        self, alternatives: list[str], rejected: IntentResult, command_text: str
    ) -> tuple[IntentResult, str]:
        """The first runner-up the grammar accepts with :data:`RUNNER_UP_CONFIDENCE` (its own
        wake phrase removed), else the rejection. Only once a trigger made the utterance a
        command: a runner-up never makes ordinary speech one."""
        for alternative in alternatives:
            spotted = self._wake.spot(alternative) if self._wake is not None else None
            candidate = spotted.rest if spotted is not None else alternative
            result = self._matcher.match(candidate) if candidate else rejected
            if result.intent is not None and result.confidence >= RUNNER_UP_CONFIDENCE:
                return result, candidate
        return rejected, command_text
