"""bench/commands.py's clips: the command set spoken by Piper, the real recordings, the
non-command speech, and the text-level check."""

import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench._command_inputs import (
    LEAD_S,
    ROOT,
    SAMPLE_RATE,
    TAIL_S,
    load_set,
    padded,
    read_corpus,
    slots_right,
    speak,
)

GRAMMARS = ROOT / "speech" / "intents" / "grammars"
AUDIO_DIR = ROOT.parent / "shared" / "audio"
GAP_RANGE_S = (0.3, 1.5)
GAP_SEED = 2025
QUICK_NONCOMMAND_S = 180.0
# Real recordings: file -> (grammar, expected intent, expected slots).
RECORDED_COMMANDS = {
    "turn_on_the_living_room_lamp.wav": (
        "home_lights_en.yaml",
        "turn_on",
        {"room_name": "living_room"},
    ),
    "living_room_light_en.wav": ("home_lights_en.yaml", "turn_on", {"room_name": "living_room"}),
}
# Real recordings that are no commands for the room grammar: (file, channel).
RECORDED_NONCOMMANDS = [
    ("jfk.flac", "mix"),
    ("stereo_diarization.wav", "left"),
    ("stereo_diarization.wav", "right"),
    ("hotwords.mp3", "mix"),
    ("multilingual.mp3", "mix"),
    ("whats_your_name_french.wav", "mix"),
]


def log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


@dataclass
class Clip:
    name: str
    samples: np.ndarray
    context: str  # key into the contexts
    intent: str
    slots: dict[str, Any]


def command_clips(
    data: dict[str, Any],
    rates: tuple[float, ...],
    limit: int | None,
    prefix: str = "",
    half: str | None = None,
) -> list[Clip]:
    """The command set spoken at each rate; ``prefix`` (a wake phrase) said before each;
    ``half``: only the even- or odd-numbered commands (settings are tuned on one half)."""
    cases = list(enumerate(data["commands"][:limit] if limit else data["commands"]))
    if half is not None:
        cases = [(i, case) for i, case in cases if i % 2 == (0 if half == "even" else 1)]
    clips = []
    for rate in rates:
        log(f"synthesising {len(cases)} commands at length_scale {rate} ...")
        for index, case in cases:
            samples = padded(speak(prefix + case["text"], rate))
            name = f"{index:03d}@{rate}: {prefix}{case['text']}"
            clips.append(Clip(name, samples, "room", case["intent"], case.get("slots") or {}))
    return clips


def recorded_clips() -> list[Clip]:
    from speech.audio.sources import read_audio

    clips = []
    for file, (grammar, intent, slots) in RECORDED_COMMANDS.items():
        path = AUDIO_DIR / file
        if path.is_file():
            clips.append(
                Clip(f"recording: {file}", padded(read_audio(path)), grammar, intent, slots)
            )
    return clips


def noncommand_audio(quick: bool) -> tuple[list[tuple[str, np.ndarray]], float]:
    """(name, samples) per meeting or recording, and the total seconds."""
    items: list[tuple[str, np.ndarray]] = []
    total = 0.0
    meetings = read_corpus()
    for index, (title, sentences) in enumerate(meetings):
        rate = (1.0, 0.8, 1.25)[index % 3]
        rng = random.Random(f"{GAP_SEED}:{title}")
        parts = [np.zeros(round(LEAD_S * SAMPLE_RATE), np.float32)]
        for sentence in sentences:
            parts.append(speak(sentence, rate))
            parts.append(np.zeros(round(rng.uniform(*GAP_RANGE_S) * SAMPLE_RATE), np.float32))
            if quick and total + sum(len(p) for p in parts) / SAMPLE_RATE >= QUICK_NONCOMMAND_S:
                break
        parts.append(np.zeros(round(TAIL_S * SAMPLE_RATE), np.float32))
        samples = np.concatenate(parts)
        items.append((f"meeting {index + 1} ({title}, length_scale {rate})", samples))
        total += len(samples) / SAMPLE_RATE
        log(f"  non-command speech: {total / 60:.1f} min synthesised")
        if quick and total >= QUICK_NONCOMMAND_S:
            break
    if AUDIO_DIR.is_dir():
        from speech.audio.sources import read_audio

        chosen = RECORDED_NONCOMMANDS[:1] if quick else RECORDED_NONCOMMANDS
        for file, channel in chosen:
            path = AUDIO_DIR / file
            if path.is_file():
                samples = padded(read_audio(path, channel))
                items.append((f"recording: {file} ({channel})", samples))
                total += len(samples) / SAMPLE_RATE
    return items, total


def text_level(language: str) -> dict[str, Any]:
    from speech.intents.loading import load_grammar
    from speech.intents.matcher import Matcher

    data = load_set(language)
    matcher = Matcher(load_grammar(GRAMMARS / data["grammar"], language), data["roster"])
    right = 0
    misses = []
    for case in data["commands"]:
        result = matcher.match(case["text"])
        if result.intent == case["intent"] and slots_right(case.get("slots") or {}, result.slots):
            right += 1
        else:
            misses.append({"text": case["text"], "intent": result.intent, "slots": result.slots})
    accepted = [t for t in data["non_commands"] if matcher.match(t).intent is not None]
    return {
        "commands": len(data["commands"]),
        "accuracy_pct": round(100 * right / len(data["commands"]), 2),
        "misses": misses,
        "non_commands": len(data["non_commands"]),
        "non_commands_accepted": accepted,
    }
