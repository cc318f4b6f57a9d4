"""``python -m speech intents``: voice-command grammars on the command line.

Exit codes (GUIDE §10): 0 success (also when the text is rejected: that is an answer);
1 a grammar file that cannot be used (the message says why); 2 wrong usage.
"""

import json
import sys
from pathlib import Path
from typing import Annotated

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
