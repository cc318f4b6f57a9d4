"""One loaded Whisper model, transcribing one utterance at a time (faster-whisper, int8).

The model is loaded once per process (0.4 s for tiny.en) and reused for every utterance.
Whisper invents words on silence and noise ("Thank you.", "you"), so three defences stand
between audio and text: the streaming pipeline only sends what voice activity detection
calls speech; faster-whisper skips windows it judges silent (``no_speech_prob`` with a low
``avg_logprob``); and :func:`is_hallucination` drops what is left of the known patterns.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from speech.audio.source import SAMPLE_RATE
from speech.languages import check_language
from speech.models import DEFAULT_MODEL, ModelError, ResolvedModel, resolve_model
from speech.prompt import Prompt
from speech.segments import Segment

log = logging.getLogger(__name__)

# faster-whisper's own thresholds (Whisper's defaults): above this compression ratio the
# text repeats itself; a window is silent when no_speech_prob is high and avg_logprob low.
COMPRESSION_RATIO_MAX = 2.4
NO_SPEECH_PROB_MAX = 0.6
AVG_LOGPROB_MIN = -1.0

# What Whisper is known to say to silence, noise and music (it learnt them from subtitles).
_HALLUCINATED = {
    "you",
    "thank you",
    "thanks for watching",
    "thank you for watching",
    "thanks for watching and see you next time",
    "please subscribe",
    "bye",
    "so",
    "okay",
    "music",
    "applause",
    "silence",
    "字幕由amaraorg社区提供",
    "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "谢谢观看",
}


@dataclass(frozen=True)
class TranscriberSettings:
    model: str = DEFAULT_MODEL  # "tiny.en", "base" or a model folder
    language: str = "auto"  # "auto" or a Whisper language code ("en", "zh", ...)
    threads: int = 2  # CPU threads for CTranslate2
    beam_size: int = 5
    # The domain prompt: names and terms Whisper would not guess (speech.prompt).
    hotwords: str | None = None
    initial_prompt: str | None = None


@dataclass(frozen=True)
class Transcription:
    segments: list[Segment]
    language: str | None
    language_probability: float | None = None
    dropped: list[str] = field(default_factory=list)  # texts rejected as hallucinations
    # The recognizer's runners-up for the whole text, best first (only the short-window
    # decoder gives them): what a grammar may pick from when the best is no command.
    alternatives: list[str] = field(default_factory=list)


class Transcriber:
    """Holds the loaded model; :meth:`transcribe` is called from one thread at a time."""

    def __init__(self, whisper: Any, model: ResolvedModel, settings: TranscriberSettings) -> None:
        self.whisper = whisper  # faster_whisper.WhisperModel
        self.model = model
        self.settings = settings
        self.multilingual = bool(whisper.model.is_multilingual)
        self.language = check_language(settings.language, model.name, self.multilingual)

    @classmethod
    def load(cls, settings: TranscriberSettings | None = None) -> "Transcriber":
        """Resolve and load the model, or raise ModelError (missing, broken, wrong language)."""
        settings = settings or TranscriberSettings()
        if settings.threads < 1:
            raise ModelError(f"threads must be at least 1, not {settings.threads}")
        model = resolve_model(settings.model)
        if model.multilingual is False:  # fail before the slow load
            check_language(settings.language, model.name, multilingual=False)
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise ModelError(
                "faster-whisper is not installed: pip install 'quorum-rooms[speech]'"
            ) from None
        try:
            whisper = WhisperModel(
                str(model.path), device="cpu", compute_type="int8", cpu_threads=settings.threads
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"cannot load the Whisper model {model.name!r}: {exc}") from exc
        return cls(whisper, model, settings)

    def transcribe(
        self, audio: np.ndarray, offset_s: float = 0.0, prompt: Prompt | None = None
    ) -> Transcription:
        """Transcribe one utterance (16 kHz mono float32); times are offset by ``offset_s``."""
        if audio.size == 0:
            return Transcription([], self.language)
        hotwords = prompt.hotwords if prompt else self.settings.hotwords
        initial = prompt.initial_prompt if prompt else self.settings.initial_prompt
        pieces, info = self.whisper.transcribe(
            audio.astype(np.float32, copy=False),
            language=self.language,
            beam_size=self.settings.beam_size,
            vad_filter=False,  # the caller's streaming VAD already cut the speech out
            condition_on_previous_text=False,  # one utterance: nothing earlier to lean on
            compression_ratio_threshold=COMPRESSION_RATIO_MAX,
            log_prob_threshold=AVG_LOGPROB_MIN,
            no_speech_threshold=NO_SPEECH_PROB_MAX,
            hotwords=hotwords or None,
            initial_prompt=initial or None,
        )
        language = info.language if self.language is None else self.language
        kept, dropped = [], []
        for piece in pieces:
            text = piece.text.strip()
            if not text:
                continue
            if is_hallucination(text, piece.no_speech_prob, piece.compression_ratio):
                dropped.append(text)
                continue
            start = offset_s + min(float(piece.start), len(audio) / SAMPLE_RATE)
            end = offset_s + min(float(piece.end), len(audio) / SAMPLE_RATE)
            kept.append(Segment(start, max(start, end), text, True, language))
        if dropped:
            log.debug("dropped as hallucinations: %s", dropped)
        return Transcription(kept, language, info.language_probability, dropped)


def is_hallucination(text: str, no_speech_prob: float, compression_ratio: float) -> bool:
    """Text Whisper made up: repetitive, or a stock phrase it says where it hears no speech."""
    if compression_ratio > COMPRESSION_RATIO_MAX:
        return True
    words = _plain(text)
    if not words:
        return True  # punctuation or symbols only ("...", "♪")
    return words in _HALLUCINATED and no_speech_prob > 0.1


def _plain(text: str) -> str:
    kept = "".join(c.lower() if c.isalnum() or c.isspace() else " " for c in text)
    return " ".join(kept.split())


def join_texts(segments: Sequence[Segment]) -> str:
    """Segments' texts as one text: spaces between words, none between Chinese characters."""
    return join_pieces(segment.text for segment in segments)


def join_pieces(texts: Iterable[str]) -> str:
    out = ""
    for piece in texts:
        text = piece.strip()
        if out and text and not (_is_cjk(out[-1]) and _is_cjk(text[0])):
            out += " "
        out += text
    return out


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"
