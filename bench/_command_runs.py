"""bench/commands.py's runs: the command clips in each condition, the wake phrase, and the
non-command speech, through the pipeline; what each run counts."""

import time
from typing import Any

import numpy as np

from bench._command_clips import Clip, log
from bench._command_inputs import slots_right, with_noise
from bench._command_pipeline import Context, Pipeline, percentile_ms

NOISE_SEED = 7


def right_for(clip: Clip, published: list[Any]) -> bool:
    """Exactly one intent published, the expected one with every expected slot."""
    return (
        len(published) == 1
        and published[0].intent == clip.intent
        and slots_right(clip.slots, published[0].slots)
    )


def run_all(
    pipeline: Pipeline,
    contexts: dict[str, Context],
    clips: list[Clip],
    snrs: tuple[int, ...],
    paced: bool = True,
) -> dict[str, Any]:
    # Warm-up, not counted: one clip both ways.
    warm = contexts[clips[0].context]
    pipeline.run(clips[0].samples, warm.listener)
    pipeline.baseline(clips[0].samples, warm.matcher)
    pipeline.publisher.count = 0

    conditions: list[tuple[str, float | None]] = [("clean", None)]
    conditions += [(f"snr_{snr}db", float(snr)) for snr in snrs]
    accuracy: dict[str, float] = {}
    latency: list[float] = []
    unpaced: list[float] = []
    early = 0
    baseline_latency: list[float] = []
    baseline_right = 0
    misses: list[dict[str, Any]] = []
    for name, snr in conditions:
        right = 0
        started = time.monotonic()
        for index, clip in enumerate(clips):
            samples = clip.samples
            if snr is not None:
                samples = with_noise(samples, snr, NOISE_SEED * 100_000 + index)
            ctx = contexts[clip.context]
            run = pipeline.run(samples, ctx.listener, paced=paced and snr is None)
            published = [u for u in run.utterances if u.published]
            ok = right_for(clip, published)
            right += ok
            if not ok:
                heard = " | ".join(u.text for u in run.utterances)
                got = [(u.intent, u.slots) for u in published]
                misses.append({"condition": name, "clip": clip.name, "heard": heard, "got": got})
            (latency if snr is None else unpaced).extend(u.latency_s for u in published)
            if snr is None:
                early += any(u.early for u in run.utterances)
                end = run.end_sample or len(samples)
                heard_base = pipeline.baseline(samples[:end], ctx.matcher)
                baseline_latency.append(heard_base.latency_s)
                baseline_right += heard_base.intent == clip.intent and slots_right(
                    clip.slots, heard_base.slots
                )
        accuracy[name] = round(100 * right / len(clips), 2)
        log(
            f"{name}: {right}/{len(clips)} right ({accuracy[name]} %) "
            f"in {time.monotonic() - started:.0f} s"
        )
    noisy = [accuracy[n] for n, snr in conditions if snr is not None]
    return {
        "accuracy_noisy_pct": round(sum(noisy) / len(noisy), 2) if noisy else None,
        "accuracy_by_condition_pct": accuracy,
        "clips_per_condition": len(clips),
        "misses": misses,
        "latency_p50_ms": percentile_ms(latency, 50),
        "latency_p95_ms": percentile_ms(latency, 95),
        "baseline_latency_p50_ms": percentile_ms(baseline_latency, 50),
        "baseline_latency_p95_ms": percentile_ms(baseline_latency, 95),
        "latency_unpaced_p50_ms": percentile_ms(unpaced, 50),
        "latency_unpaced_p95_ms": percentile_ms(unpaced, 95),
        "latency_samples": {
            "paced": len(latency),
            "unpaced": len(unpaced),
            "baseline": len(baseline_latency),
        },
        "early_decode_used_pct": round(100 * early / len(clips), 1),
        "baseline_accuracy_clean_pct": round(100 * baseline_right / len(clips), 2),
    }


def run_wake(pipeline: Pipeline, context: Context, clips: list[Clip]) -> dict[str, Any]:
    """Commands after "Hey Quorum", no push-to-talk: the wake phrase path's accuracy."""
    right = 0
    missed: list[str] = []
    for clip in clips:
        run = pipeline.run(clip.samples, context.listener, trigger="wake")
        ok = right_for(clip, [u for u in run.utterances if u.published])
        right += ok
        if not ok:
            missed.append(f"{clip.name} -> {' | '.join(u.text for u in run.utterances)}")
    log(f"wake phrase: {right}/{len(clips)} right")
    return {
        "wake_accuracy_pct": round(100 * right / len(clips), 2),
        "wake_clips": len(clips),
        "wake_misses": missed[:20],
    }


def run_noncommands(
    pipeline: Pipeline, context: Context, noncommands: list[tuple[str, np.ndarray]]
) -> dict[str, Any]:
    """Ordinary speech through the wake phrase path, then with every utterance a command."""
    log(f"non-command audio: {len(noncommands)} items ...")
    false_accepts: list[dict[str, Any]] = []
    strict = 0
    utterances = 0
    speech_s = 0.0
    for name, samples in noncommands:
        run = pipeline.run(samples, context.listener, trigger="wake")
        false_accepts += [
            {"item": name, "text": u.text, "intent": u.intent, "path": "wake"}
            for u in run.utterances
            if u.published
        ]
        every = pipeline.run(samples, context.listener, trigger="always")
        utterances += len(every.utterances)
        speech_s += every.speech_s
        accepted = [u for u in every.utterances if u.published]
        strict += len(accepted)
        false_accepts += [
            {"item": name, "text": u.text, "intent": u.intent, "path": "every utterance"}
            for u in accepted
        ]
        log(f"  {name}: {len(every.utterances)} utterances, {strict} accepted as commands so far")
    return {
        "false_accepts": sum(1 for f in false_accepts if f["path"] == "wake"),
        "false_accepts_every_utterance": strict,
        "false_accept_texts": false_accepts,
        "noncommand_utterances": utterances,
        "noncommand_speech_s": round(speech_s, 1),
    }
