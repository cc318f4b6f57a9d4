"""bench/commands.py's inputs: commands spoken by Piper at several rates, noise at a
given SNR, the command sets and the non-command corpus."""

import hashlib
import os
import string
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "commands"
CORPUS = Path(__file__).with_name("noncommand_corpus.txt")
SAMPLE_RATE = 16_000
BLOCK = 512  # 32 ms, as a microphone callback delivers
LEAD_S, TAIL_S = 0.5, 0.8


class CannotRun(Exception):
    """The bench cannot run here; the message says why (it exits 1)."""


# --- audio ------------------------------------------------------------------------------


def speak(text: str, rate: float) -> np.ndarray:
    """Piper at ``length_scale=rate`` (16 kHz float32), cached on disk."""
    from devtools import tts

    if rate == 1.0:
        return tts.synthesize(text)
    voice, vid = tts._load_voice()
    key = hashlib.sha256(f"commands-bench-v1\0{vid}\0{rate}\0{text}".encode()).hexdigest()
    path = tts.cache_dir() / f"{key}.npy"
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        pass
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=rate)
    chunks = [np.asarray(c.audio_float_array, np.float32) for c in voice.synthesize(text, config)]
    raw = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    audio = np.clip(tts.resample(raw, int(voice.config.sample_rate)), -1, 1).astype(np.float32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(temporary, audio, allow_pickle=False)
        os.replace(temporary, path)
    except OSError:
        pass
    return audio


def padded(samples: np.ndarray) -> np.ndarray:
    lead = np.zeros(round(LEAD_S * SAMPLE_RATE), np.float32)
    tail = np.zeros(round(TAIL_S * SAMPLE_RATE), np.float32)
    return np.concatenate([lead, samples.astype(np.float32), tail])


def speech_power(samples: np.ndarray) -> float:
    """Mean power of the active 20 ms frames (within 30 dB of the loudest)."""
    frame = SAMPLE_RATE // 50
    n = len(samples) // frame
    if n == 0:
        return float(np.mean(samples**2)) if len(samples) else 0.0
    power = np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1)
    active = power[power >= power.max() * 1e-3]
    return float(active.mean())


def with_noise(samples: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise_power = speech_power(samples) / 10 ** (snr_db / 10)
    noise = rng.standard_normal(len(samples)).astype(np.float32) * np.float32(noise_power**0.5)
    return np.clip(samples + noise, -1, 1).astype(np.float32)


# --- data -------------------------------------------------------------------------------


def load_set(language: str) -> dict[str, Any]:
    from ruamel.yaml import YAML

    path = DATA / f"commands_{language}.yaml"
    if not path.is_file():
        raise CannotRun(f"{path} is missing")
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data


def read_corpus(path: Path = CORPUS) -> list[tuple[str, list[str]]]:
    """(title, sentences) per meeting: ``## title`` starts one, ``#`` lines are comments."""
    if not path.is_file():
        raise CannotRun(f"{path} is missing")
    meetings: list[tuple[str, list[str]]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("##"):
            meetings.append((line.lstrip("#").strip(), []))
        elif line and not line.startswith("#"):
            if not meetings:
                meetings.append(("meeting", []))
            meetings[-1][1].append(line)
    return [(title, sentences) for title, sentences in meetings if sentences]


def _plain(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    kept = "".join(" " if c in string.punctuation else c for c in value.casefold())
    return " ".join(kept.split())


def slots_right(expected: dict[str, Any], got: dict[str, Any]) -> bool:
    if set(expected) != set(got):
        return False
    return all(_plain(expected[k]) == _plain(got[k]) for k in expected)
