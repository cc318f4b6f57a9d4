"""A whole recording through the streaming pipeline, with a progress bar for long files.

Shared by ``python -m speech transcribe`` and ``python -m speech minutes`` (for audio input).
"""

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from speech.audio.source import Channel
from speech.grouping import GroupingSettings
from speech.prompt import Prompt
from speech.segments import Segment
from speech.transcriber import Transcriber, TranscriberSettings
from speech.vad.endpointer import EndpointerSettings

# Files at least this long get a progress bar on stderr.
PROGRESS_FROM_S = 30.0


@dataclass(frozen=True)
class FileTranscript:
    model: str
    language: str | None  # the fixed language, or the one most of the speech was in
    duration: float
    segments: list[Segment]


def transcribe_file(
    path: Path,
    settings: TranscriberSettings,
    *,
    channel: Channel = "mix",
    prompt: Prompt | None = None,
    end_silence: float = 0.7,
    transcriber: Transcriber | None = None,
    grouping: GroupingSettings | None = None,
) -> FileTranscript:
    """Raises AudioError, ModelError or VadModelError (each says what to fix).
    ``transcriber``: one already loaded (several files, one model load)."""
    from speech.audio.sources import FileSource  # decoding pulls in PyAV: only when needed
    from speech.streaming import StreamingTranscriber, StreamSettings

    source = FileSource(path, channel=channel)
    transcriber = transcriber or Transcriber.load(settings)
    stream = StreamSettings(
        endpointing=EndpointerSettings(end_silence_s=end_silence),
        prompt=prompt,
        grouping=grouping or GroupingSettings(),
    )
    pipeline = StreamingTranscriber(transcriber, stream)
    segments: list[Segment] = []
    columns = (TextColumn("transcribing"), BarColumn(), TimeRemainingColumn())
    shown = source.duration_s >= PROGRESS_FROM_S
    with Progress(*columns, console=Console(stderr=True), transient=True, disable=not shown) as bar:
        task = bar.add_task("", total=source.duration_s)
        try:
            for block in source.blocks():
                segments.extend(pipeline.feed(block))
                bar.update(task, completed=pipeline.position_s)
            segments.extend(pipeline.finish())
        finally:
            source.close()
    language = transcriber.language or main_language(segments)
    return FileTranscript(transcriber.model.name, language, source.duration_s, segments)


def main_language(segments: list[Segment]) -> str | None:
    """The language most of the speech was in (each utterance is detected on its own)."""
    spoken: dict[str, float] = {}
    for segment in segments:
        if segment.language:
            length = segment.end - segment.start
            spoken[segment.language] = spoken.get(segment.language, 0.0) + length
    return max(spoken, key=lambda lang: spoken[lang]) if spoken else None
