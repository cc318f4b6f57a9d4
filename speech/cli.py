"""``python -m speech``: transcribe a recording on this machine, offline.

The file goes through the same streaming pipeline as a live microphone (VAD, endpointing,
one Whisper call per utterance), so what this prints is what a room terminal would publish.
Exit codes (GUIDE §10): 0 success; 1 bad input (unreadable audio, unknown language, missing
model: the message says how to fix it); 2 wrong usage.
"""

import json
import logging
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from speech.audio.source import CHANNELS, AudioError
from speech.models import DEFAULT_MODEL, ModelError
from speech.prompt import domain_prompt
from speech.segments import Segment
from speech.transcriber import Transcriber, TranscriberSettings, join_texts
from speech.vad.endpointer import EndpointerSettings
from speech.vad.silero import VadModelError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Quorum speech: offline transcription with the terminal's streaming pipeline.",
)


class ChannelChoice(StrEnum):
    mix = "mix"
    left = "left"
    right = "right"


assert tuple(ChannelChoice) == CHANNELS  # one list of channels

# Files at least this long get a progress bar on stderr.
PROGRESS_FROM_S = 30.0


@app.callback()
def _main() -> None:
    """Keeps ``transcribe`` a named subcommand."""


@app.command()
def transcribe(
    audio: Annotated[Path, typer.Argument(help="A recording (any format FFmpeg reads).")],
    model: Annotated[
        str, typer.Option(help="tiny.en (English, default), base (multilingual) or a folder.")
    ] = DEFAULT_MODEL,
    language: Annotated[
        str, typer.Option(help="auto, or a language code: en, zh, de, ...")
    ] = "auto",
    channel: Annotated[
        ChannelChoice, typer.Option(help="Which channel of a stereo file.")
    ] = ChannelChoice.mix,
    threads: Annotated[int, typer.Option(min=1, max=64, help="CPU threads for Whisper.")] = 2,
    hotwords: Annotated[
        list[str] | None,
        typer.Option("--hotword", help="A name or term to listen for (repeatable)."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="The meeting's title, as a hint.")] = None,
    end_silence: Annotated[
        float, typer.Option(min=0.1, max=10.0, help="Seconds of silence that end an utterance.")
    ] = 0.7,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout.")
    ] = False,
) -> None:
    """Transcribe AUDIO; print the text (or, with --json, the segments with their times)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from speech.audio.sources import FileSource  # decoding pulls in PyAV: only when needed
    from speech.streaming import StreamingTranscriber, StreamSettings

    settings = TranscriberSettings(model=model, language=language, threads=threads)
    started = time.perf_counter()
    try:
        source = FileSource(audio, channel=CHANNELS[list(ChannelChoice).index(channel)])
        transcriber = Transcriber.load(settings)
        pipeline = StreamingTranscriber(
            transcriber,
            StreamSettings(
                endpointing=EndpointerSettings(end_silence_s=end_silence),
                prompt=domain_prompt(terms=hotwords or [], title=title),
            ),
        )
        segments = _run(pipeline, source, source.duration_s)
    except (AudioError, ModelError, VadModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    result = _result(transcriber, source.duration_s, segments)
    elapsed = time.perf_counter() - started
    if json_output:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for segment in segments:
            print(f"[{_clock(segment.start)} - {_clock(segment.end)}] {segment.text}")
        if not segments:
            print("(no speech)")
    print(
        f"{audio.name}: {result['duration']:.1f} s of audio in {elapsed:.1f} s"
        f" ({result['model']}, language {result['language'] or 'unknown'})",
        file=sys.stderr,
    )


def _run(pipeline: Any, source: Any, duration_s: float) -> list[Segment]:
    if duration_s < PROGRESS_FROM_S:
        return list(pipeline.run(source))
    segments: list[Segment] = []
    columns = (TextColumn("transcribing"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("", total=duration_s)
        try:
            for block in source.blocks():
                segments.extend(pipeline.feed(block))
                progress.update(task, completed=pipeline.position_s)
            segments.extend(pipeline.finish())
        finally:
            source.close()
    return segments


def _result(transcriber: Transcriber, duration: float, segments: list[Segment]) -> dict[str, Any]:
    return {
        "model": transcriber.model.name,
        "language": transcriber.language or _main_language(segments),
        "duration": round(duration, 3),
        "text": join_texts(segments),
        "segments": [
            {"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text} for s in segments
        ],
    }


def _main_language(segments: list[Segment]) -> str | None:
    """The language most of the speech was in (each utterance is detected on its own)."""
    spoken: dict[str, float] = {}
    for segment in segments:
        if segment.language:
            spoken[segment.language] = (
                spoken.get(segment.language, 0.0) + segment.end - segment.start
            )
    return max(spoken, key=lambda lang: spoken[lang]) if spoken else None


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:05.2f}"
