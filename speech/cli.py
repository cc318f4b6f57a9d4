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

from speech.audio.source import CHANNELS, AudioError
from speech.file_transcription import FileTranscript, transcribe_file
from speech.intents.cli import intents_app
from speech.models import DEFAULT_MODEL, ModelError
from speech.prompt import domain_prompt
from speech.transcriber import TranscriberSettings, join_texts
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


@app.callback()
def _main() -> None:
    """Keeps ``transcribe`` a named subcommand."""


def _minutes_command() -> None:
    from speech.minutes.cli import minutes

    app.command(name="minutes")(minutes)


_minutes_command()

app.add_typer(intents_app, name="intents")


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
    settings = TranscriberSettings(model=model, language=language, threads=threads)
    started = time.perf_counter()
    try:
        result = transcribe_file(
            audio,
            settings,
            channel=CHANNELS[list(ChannelChoice).index(channel)],
            prompt=domain_prompt(terms=hotwords or [], title=title),
            end_silence=end_silence,
        )
    except (AudioError, ModelError, VadModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    if json_output:
        print(json.dumps(_json(result), ensure_ascii=False))
    else:
        for segment in result.segments:
            print(f"[{_clock(segment.start)} - {_clock(segment.end)}] {segment.text}")
        if not result.segments:
            print("(no speech)")
    print(
        f"{audio.name}: {result.duration:.1f} s of audio in {elapsed:.1f} s"
        f" ({result.model}, language {result.language or 'unknown'})",
        file=sys.stderr,
    )


def _json(result: FileTranscript) -> dict[str, Any]:
    return {
        "model": result.model,
        "language": result.language,
        "duration": round(result.duration, 3),
        "text": join_texts(result.segments),
        "segments": [
            {"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text}
            for s in result.segments
        ],
    }


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:05.2f}"
