"""Choosing grammar rescoring's settings on one half of the data (how the margin was chosen).

    python bench/_command_rescoring.py --half even [--sentences 200] [--commands N]

Runs one half of the English command set (rates 0.8 / 1.0 / 1.25; clean, 20, 10 and 5 dB,
the noise seeded as in bench/commands.py) and that half's non-command sentences (rate 1.0,
each one taken as a command, push-to-talk) through the listener, keeping for every
utterance what rescoring scored (``speech.intents.rescoring.rescore``). Then it replays the
decision offline for a grid of margins, floors and candidate counts: commands right
(mean of the noise levels / clean) and non-command sentences accepted. Twenty minutes or so
on this 2-core machine; what it prints is for choosing, bench/commands.py is the figure.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._command_clips import command_clips, log
from bench._command_inputs import BLOCK, load_set, padded, read_corpus, slots_right, speak
from bench._command_runs import NOISE_SEED
from bench.commands import listener_for, load_models

CONDITIONS = (("clean", None), ("snr_20db", 20.0), ("snr_10db", 10.0), ("snr_5db", 5.0))
GRID_MARGINS = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, float("inf"))
GRID_SIZES = ((4, 2), (6, 3), (8, 4))  # (candidates, per intent)
GRID_FLOORS = (0.5, 0.6)
# Collected wide, replayed narrower: the widest settings the grid needs.
WIDEST = {"floor": 0.5, "candidates": 10, "per_intent": 5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("even", "odd"), default="even")
    parser.add_argument("--sentences", type=int, default=200, help="non-command sentences")
    parser.add_argument("--commands", type=int, help="only the first N commands (a smoke test)")
    args = parser.parse_args()
    from bench._command_inputs import with_noise
    from speech.intents.listener import ListenerSettings
    from speech.intents.rescoring import RescoringSettings

    data = load_set("en")
    clips = command_clips(data, (0.8, 1.0, 1.25), args.commands, half=args.half)
    keep = 0 if args.half == "even" else 1
    sentences = [s for _, group in read_corpus() for s in group]
    sentences = [s for i, s in enumerate(sentences) if i % 2 == keep][: args.sentences]

    models = argparse.Namespace(model="tiny.en", threads=2, beam_size=5, window="short")
    ours, _, vad = load_models(models)  # as bench/commands.py runs them
    listener = listener_for(data["grammar"], data["roster"], ours, vad).listener
    # Score everything (no margin): the decision is replayed below.
    wide = RescoringSettings(margin=float("inf"), **WIDEST)
    listener.settings = ListenerSettings(rescoring=wide)
    commands = []  # (condition, clip, what each utterance of it was)
    for name, snr in CONDITIONS:
        log(f"{name}: {len(clips)} clips ...")
        for index, clip in enumerate(clips):
            samples = clip.samples
            if snr is not None:
                samples = with_noise(samples, snr, NOISE_SEED * 100_000 + index)
            commands.append((name, clip, _heard(listener, samples)))
    log(f"{len(sentences)} non-command sentences ...")
    ordinary = [h for s in sentences for h in _heard(listener, padded(speak(s, 1.0)))]
    listener.close()
    _grid(commands, ordinary)
    return 0


def _heard(listener: Any, samples: Any) -> list[Any]:
    """The commands heard in ``samples`` (push-to-talk armed), wake phrases alone left out."""
    listener.reset()
    listener.arm()
    heard = []
    for start in range(0, len(samples), BLOCK):
        heard += listener.feed(samples[start : start + BLOCK])
    heard += listener.finish()
    return [h for h in heard if not h.wake_only]


def _grid(commands: list[Any], ordinary: list[Any]) -> None:
    from speech.intents.rescoring import Rescoring, RescoringSettings, choose

    def decide(heard: Any, settings: RescoringSettings) -> Any:
        matched, rescoring = heard.matched, heard.rescoring
        if matched is None or rescoring is None:
            return heard.result
        kept = [c for c in rescoring.candidates if c.parse.confidence >= settings.floor]
        per: dict[str, int] = {}
        narrowed = []
        for candidate in kept:
            if per.get(candidate.parse.intent, 0) < settings.per_intent:
                per[candidate.parse.intent] = per.get(candidate.parse.intent, 0) + 1
                narrowed.append(candidate)
        narrowed = narrowed[: settings.candidates]
        narrowed_rescoring = Rescoring(rescoring.reference, narrowed, rescoring.prefix)
        chosen = choose(narrowed_rescoring, settings, matched)
        return chosen[0] if chosen else matched

    def clip_right(clip: Any, heard: list[Any], settings: RescoringSettings | None) -> bool:
        results = [decide(h, settings) if settings else h.matched or h.result for h in heard]
        accepted = [r for r in results if r.intent is not None]
        return (
            len(accepted) == 1
            and accepted[0].intent == clip.intent
            and slots_right(clip.slots, accepted[0].slots)
        )

    log("candidates/per intent, floor | margin: noisy mean / clean % right, ordinary accepted")
    for size, per_intent in GRID_SIZES:
        for floor in GRID_FLOORS:
            row = []
            for margin in GRID_MARGINS:
                settings = RescoringSettings(margin, floor, size, per_intent)
                right: dict[str, list[bool]] = {}
                for name, clip, heard in commands:
                    right.setdefault(name, []).append(clip_right(clip, heard, settings))
                pct = {n: 100 * sum(v) / len(v) for n, v in right.items()}
                noisy = sum(pct[n] for n, _ in CONDITIONS[1:]) / 3
                accepted = sum(decide(h, settings).intent is not None for h in ordinary)
                row.append(f"{margin:g}: {noisy:.1f}/{pct['clean']:.1f} fa {accepted}")
            log(f"{size}/{per_intent}, {floor} | " + " | ".join(row))
    right = {}
    for name, clip, heard in commands:
        right.setdefault(name, []).append(clip_right(clip, heard, None))
    pct = {n: round(100 * sum(v) / len(v), 1) for n, v in right.items()}
    accepted = sum((h.matched or h.result).intent is not None for h in ordinary)
    log(f"no rescoring (the matcher's decisions): {pct}, ordinary accepted {accepted}")


if __name__ == "__main__":
    sys.exit(main())
