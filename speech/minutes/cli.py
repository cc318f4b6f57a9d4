"""``python -m speech minutes INPUT``: minutes of a meeting, on this machine.

INPUT ending in .txt, .md or .vtt is a transcript (speech/minutes/transcript.py); anything
else is audio, transcribed first with the streaming pipeline (tiny.en for English, the
multilingual base model otherwise). Markdown for people by default; ``--json`` prints the
one object of docs/minutes.md. Exit codes: 0; 1 bad input (unreadable file, audio or
directory, missing model); 2 wrong usage (including a --meeting-start without a UTC offset).
"""

import json
import logging
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from speech.minutes.directory import Directory, Person
from speech.minutes.extract import extract_minutes
from speech.minutes.markdown import render_markdown
from speech.minutes.model import Utterance
from speech.minutes.transcript import parse_transcript

TRANSCRIPT_SUFFIXES = (".txt", ".md", ".vtt")


class MinutesLanguage(StrEnum):
    auto = "auto"
    en = "en"
    zh = "zh"


class BadInput(Exception):
    """The input cannot be used; the message says why (exit 1)."""


def _meeting_start(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} has no UTC offset: write it like 2026-03-04T10:00:00+01:00"
        )
    return parsed


def minutes(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="A transcript (.txt, .md, .vtt) or audio.")
    ],
    meeting_start: Annotated[
        datetime,
        typer.Option(
            parser=_meeting_start,
            metavar="ISO8601",
            help="When the meeting started, with its UTC offset (due dates count from it).",
        ),
    ],
    language: Annotated[
        MinutesLanguage, typer.Option(help="auto: each line by its script.")
    ] = MinutesLanguage.auto,
    directory: Annotated[
        Path | None,
        typer.Option(help="People (YAML or JSON list of {id, name, aliases, organizer})."),
    ] = None,
    organizer: Annotated[
        str | None, typer.Option(help="Who organized it: owns unattributed 'I will ...'.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The meeting's title.")] = None,
    model: Annotated[
        str | None, typer.Option(help="For audio: tiny.en, base or a folder (default by language).")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout.")
    ] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Markdown (the default).")] = False,
) -> None:
    """Action items (owner, task, due date), decisions and open questions of a meeting."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if json_output and markdown:
        raise typer.BadParameter("choose one of --json and --markdown")
    try:
        people = _directory(directory, organizer)
        utterances = _utterances(input_path, language.value, model, people)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    result = extract_minutes(
        utterances, meeting_start=meeting_start, directory=people, language=language.value
    ).to_json()
    if json_output:
        print(json.dumps(result, ensure_ascii=False))
    else:
        sys.stdout.write(render_markdown(result, title))
    print(
        f"{input_path.name}: {len(utterances)} utterances; {len(result['action_items'])} action"
        f" items, {len(result['decisions'])} decisions, {len(result['open_questions'])} open"
        " questions",
        file=sys.stderr,
    )


def _utterances(path: Path, language: str, model: str | None, people: Directory) -> list[Utterance]:
    if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInput(f"{path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read the transcript {path}: {exc}") from None
        return parse_transcript(text, vtt=path.suffix.lower() == ".vtt")
    return _transcribed(path, language, model, people)


def _transcribed(
    path: Path, language: str, model: str | None, people: Directory
) -> list[Utterance]:
    from speech.audio.source import AudioError
    from speech.file_transcription import transcribe_file
    from speech.models import ModelError
    from speech.prompt import domain_prompt
    from speech.transcriber import TranscriberSettings
    from speech.vad.silero import VadModelError

    chosen = model or ("tiny.en" if language == "en" else "base")
    names = [n for p in people.people for n in (p.name, *p.aliases)]
    settings = TranscriberSettings(model=chosen, language=language)
    try:
        transcript = transcribe_file(path, settings, prompt=domain_prompt(names))
    except (AudioError, ModelError, VadModelError) as exc:
        raise BadInput(str(exc)) from None
    return [Utterance(s.text, start=round(s.start, 3)) for s in transcript.segments]


def _directory(path: Path | None, organizer: str | None) -> Directory:
    entries: list[Any] = []
    if path is not None:
        try:
            loaded = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YAMLError) as exc:
            raise BadInput(f"cannot read the directory {path}: {exc}") from None
        if not isinstance(loaded, list):
            raise BadInput(f"{path}: a directory is a list of {{id, name, aliases}} entries")
        entries = loaded
    people = [_person(entry, index, path) for index, entry in enumerate(entries)]
    if organizer:
        found = Directory(people).resolve(organizer)
        if found is None:
            people.append(Person(None, organizer.strip(), organizer=True))
        else:
            people = [Person(p.user_id, p.name, p.aliases, organizer=p is found) for p in people]
    return Directory(people)


def _person(entry: Any, index: int, path: Path | None) -> Person:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise BadInput(f"{path}: entry {index + 1} needs at least a name")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise BadInput(f"{path}: entry {index + 1}: aliases is a list of names")
    user_id = entry.get("id")
    return Person(
        str(user_id) if user_id is not None else None,
        entry["name"],
        tuple(aliases),
        organizer=bool(entry.get("organizer", False)),
    )
