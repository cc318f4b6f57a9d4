"""``python -m speech intents``: voice-command grammars on the command line.

Exit codes (GUIDE §10): 0 success (also when the text is rejected: that is an answer);
1 a grammar file that cannot be used (the message says why); 2 wrong usage.
"""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from speech.intents.grammar import GrammarError

intents_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Voice commands: match sentences against a grammar of intents.",
)


@intents_app.callback()
def _intents() -> None:
    """Keeps ``parse`` a named subcommand."""


@intents_app.command()
def parse(
    text: Annotated[str, typer.Argument(help="What was said (as the recognizer heard it).")],
    grammar: Annotated[
        Path, typer.Option("--grammar", help="A grammar: our YAML, a Rhino context or hassil.")
    ],
    language: Annotated[
        str, typer.Option(help="Language when the grammar file does not say: en, zh, ...")
    ] = "en",
    roster: Annotated[
        list[str] | None,
        typer.Option("--roster", help="A person in the room, for {person} slots (repeatable)."),
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Reject below this confidence.")
    ] = 0.75,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Match TEXT against the grammar: print the intent, its slots and the confidence."""
    from speech.intents.loading import load_grammar
    from speech.intents.matcher import Matcher

    try:
        loaded = load_grammar(grammar, language)
        if not loaded.language:
            loaded.language = language
        result = Matcher(loaded, roster or (), threshold=threshold).match(text)
    except GrammarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    if json_output:
        document = {
            "text": result.text,
            "intent": result.intent,
            "slots": result.slots,
            "confidence": result.confidence,
        }
        print(json.dumps(document, ensure_ascii=False))
    elif result.intent is None:
        print(f"(rejected, confidence {result.confidence:.2f})")
    else:
        slots = " ".join(f"{k}={v}" for k, v in result.slots.items())
        print(f"{result.intent} {slots}".rstrip() + f" (confidence {result.confidence:.2f})")


@intents_app.command()
def recognize(
    audio: Annotated[list[Path], typer.Argument(help="Recordings of spoken commands.")],
    grammar: Annotated[
        Path, typer.Option("--grammar", help="A grammar: our YAML, a Rhino context or hassil.")
    ],
    language: Annotated[str, typer.Option(help="en, zh, ...")] = "en",
    model: Annotated[
        str | None,
        typer.Option(help="tiny.en, base or a folder (default: tiny.en for en, else base)."),
    ] = None,
    roster: Annotated[
        list[str] | None,
        typer.Option("--roster", help="A person in the room, for {person} slots (repeatable)."),
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Reject below this confidence.")
    ] = 0.75,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON array on stdout.")] = False,
) -> None:
    """Hear each AUDIO file as the terminal hears a command (voice activity, Whisper, the
    grammar), the roster's names as hints. Every file is reported; the exit code is 1 when
    any could not be read."""
    from speech.audio.source import AudioError
    from speech.intents.recognize import CommandRecognizer
    from speech.models import ModelError
    from speech.vad.silero import VadModelError

    try:
        recognizer = CommandRecognizer.load(
            grammar, language=language, model=model, roster=roster or [], threshold=threshold
        )
    except (GrammarError, ModelError, VadModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    documents: list[dict[str, Any]] = []
    failed = False
    for path in audio:
        document: dict[str, Any]
        try:
            heard, result = recognizer.recognize_file(path)
            document = {
                "file": str(path),
                "text": heard,
                "intent": result.intent,
                "slots": result.slots,
                "confidence": result.confidence,
            }
        except AudioError as exc:
            failed = True
            print(f"error: {exc}", file=sys.stderr)
            document = {"file": str(path), "text": "", "intent": None, "slots": {},
                        "confidence": 0.0, "error": str(exc)}  # fmt: skip
        documents.append(document)
        if not json_output:
            slots = " ".join(f"{k}={v}" for k, v in document["slots"].items())
            what = document["intent"] or "(rejected)"
            print(f"{path}: {what} {slots} ({document['confidence']:.2f}) «{document['text']}»")
    recognizer.close()
    if json_output:
        print(json.dumps(documents, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)
