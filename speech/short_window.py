"""Whisper on a short encoder window, for commands: a few seconds of audio, encoded as such.

faster-whisper always pads the audio to Whisper's 30 s window, so a 2 s command costs as much
encoder work as 30 s of speech: about 0.35 s with tiny.en on this 2-core machine, nearly all
of a command's latency. CTranslate2's Whisper encoder takes shorter inputs, so this decoder
pads the audio to a 10 s window (whisper.cpp calls it ``audio_ctx``), then runs one beam
search without timestamps. Whisper never saw short windows in training: fitted tightly to
the audio (1-4 s of margin) it often repeats itself ("Release the rum. Release the rum.
..."); at 10 s it heard 103 of 112 commands right where the full window heard 101, in a
quarter of the time (even-numbered commands of tests/data/commands at rate 1.0, clean and at
10 dB SNR, cut as the listener cuts them: where these settings were chosen).

Only for utterances the length of a command: anything longer than ``max_s`` goes to the
ordinary full-window :class:`~speech.transcriber.Transcriber`. The same hallucination
defences apply, and a text that repeats itself (compression ratio, or a text that ran to the
length bound) is decoded again on the full window rather than trusted.

``hear`` also returns a scorer of other texts under the same encoded audio
(``speech.text_scores``), for grammar rescoring (``speech.intents.rescoring``).
"""

import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from speech.audio.source import SAMPLE_RATE
from speech.prompt import Prompt
from speech.segments import Segment
from speech.text_scores import AudioTextScorer
from speech.transcriber import (
    AVG_LOGPROB_MIN,
    COMPRESSION_RATIO_MAX,
    NO_SPEECH_PROB_MAX,
    Transcriber,
    Transcription,
    is_hallucination,
)

FULL_WINDOW_FRAMES = 3000  # Whisper's 30 s of 10 ms mel frames
FRAMES_PER_S = 100
_BOUND_SLACK = 4


@dataclass(frozen=True)
class ShortWindowSettings:
    min_window_s: float = 10.0  # the encoder window: at least this long,
    margin_s: float = 2.0  # and the audio plus this much, rounded up to a second
    max_s: float = 12.0  # longer utterances are no commands: the full window decodes them
    # A bound on the text (speech is about 3 tokens a second); reaching it means Whisper
    # was repeating itself, and the full window decodes the audio again.
    max_tokens_per_s: float = 8.0
    min_tokens: int = 16
    # Runners-up kept from the beam (Transcription.alternatives): a grammar may find the
    # command in one of them when the best text is none (speech.intents.listener).
    alternatives: int = 4


class ShortWindowTranscriber:
    """Same ``transcribe`` as :class:`Transcriber`, on a window fitted to the audio."""

    def __init__(self, full: Transcriber, settings: ShortWindowSettings | None = None) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.full = full
        self.settings = settings or ShortWindowSettings()
        self.language = full.language
        whisper = full.whisper
        self._whisper = whisper
        self._tokenizer = Tokenizer(
            whisper.hf_tokenizer,
            full.multilingual,
            task="transcribe",
            language=full.language or "en",
        )

    def transcribe(
        self, audio: np.ndarray, offset_s: float = 0.0, prompt: Prompt | None = None
    ) -> Transcription:
        return self.hear(audio, offset_s, prompt)[0]

    def hear(
        self, audio: np.ndarray, offset_s: float = 0.0, prompt: Prompt | None = None
    ) -> tuple[Transcription, AudioTextScorer | None]:
        """The transcription, and a scorer of other texts under the same encoded audio
        (None when the full window decoded it)."""
        duration = len(audio) / SAMPLE_RATE
        if audio.size == 0 or duration > self.settings.max_s or self.language is None:
            return self.full.transcribe(audio, offset_s, prompt), None  # (no language)
        decoded = self._decode(audio.astype(np.float32, copy=False), prompt)
        if decoded is None or _compression_ratio(decoded[0][0]) > COMPRESSION_RATIO_MAX:
            return self.full.transcribe(audio, offset_s, prompt), None  # it repeated itself
        texts, no_speech, logprob, scorer = decoded
        text = texts[0]
        silent = no_speech > NO_SPEECH_PROB_MAX and logprob < AVG_LOGPROB_MIN
        if not text or silent or is_hallucination(text, no_speech, 1.0):
            return Transcription([], self.language, dropped=[text] if text else []), None
        segment = Segment(offset_s, offset_s + duration, text, True, self.language)
        others = [t for t in texts[1:] if t and t != text and not is_hallucination(t, 0.0, 1.0)]
        return Transcription([segment], self.language, alternatives=others), scorer

    def _decode(
        self, audio: np.ndarray, prompt: Prompt | None
    ) -> tuple[list[str], float, float, AudioTextScorer] | None:
        """(the texts, best first; the no-speech probability; the best text's average log
        probability per token; a scorer under the same encoded audio), or None when the best
        text ran to the length bound."""
        whisper = self._whisper
        features = whisper.feature_extractor(audio)
        frames = max(
            features.shape[-1] + self.settings.margin_s * FRAMES_PER_S,
            self.settings.min_window_s * FRAMES_PER_S,
        )
        window = min(FULL_WINDOW_FRAMES, math.ceil(frames / FRAMES_PER_S) * FRAMES_PER_S)
        frames_heard = min(features.shape[-1], window)
        features = features[:, :window]
        features = np.pad(features, ((0, 0), (0, window - features.shape[-1])))
        settings = self.full.settings
        hotwords = prompt.hotwords if prompt else settings.hotwords
        initial = prompt.initial_prompt if prompt else settings.initial_prompt
        previous = self._tokenizer.encode(" " + initial.strip()) if initial else []
        tokens = whisper.get_prompt(
            self._tokenizer, previous, without_timestamps=True, hotwords=hotwords or None
        )
        bound = self.settings.max_tokens_per_s * len(audio) / SAMPLE_RATE
        max_new = max(self.settings.min_tokens, math.ceil(bound))
        encoded = whisper.encode(features)
        result: Any = whisper.model.generate(
            encoded,
            [tokens],
            beam_size=settings.beam_size,
            num_hypotheses=max(1, min(settings.beam_size, 1 + self.settings.alternatives)),
            max_length=len(tokens) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
        )[0]
        # CTranslate2's max_length counts the prompt and a few tokens of its own: a text
        # within those few tokens of the bound was cut there, not ended by Whisper.
        if len(result.sequences_ids[0]) >= max_new - _BOUND_SLACK:
            return None
        texts = [
            self._tokenizer.decode([t for t in ids if t < self._tokenizer.eot]).strip()
            for ids in result.sequences_ids
        ]
        scorer = AudioTextScorer(
            whisper.model, self._tokenizer, np.array(encoded), tokens, frames_heard
        )
        # ctranslate2's score is the sum of log probabilities over length (length_penalty 1).
        return texts, float(result.no_speech_prob), float(result.scores[0]), scorer


def _compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0
