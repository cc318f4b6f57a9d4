"""The domain prompt: names and terms from the room's roster and the meeting title.

Whisper writes what it expects to hear. "Priya", "Niamh" or "Chen Wei" come out right far
more often when they are in the prompt, and meeting audio needs the help (GUIDE §7: tiny.en
has 5.6% WER on read speech, 50% on distant meeting microphones). faster-whisper takes
``hotwords`` (hint phrases: here the names and terms) and ``initial_prompt`` (text as if said
just before: here the title, then what was said last). Whisper decodes at most 448 tokens,
prompt included, so each part is kept short: about 100 tokens of hints, 60 of context.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

MAX_NAMES = 30
MAX_HOTWORDS_CHARS = 400
MAX_TITLE_CHARS = 120
MAX_CONTEXT_CHARS = 250


@dataclass(frozen=True)
class Prompt:
    hotwords: str | None = None
    initial_prompt: str | None = None


def domain_prompt(
    roster: Iterable[str] = (), title: str | None = None, terms: Iterable[str] = ()
) -> Prompt | None:
    """A prompt naming the people expected in the room, the terms, and the meeting's
    subject; None when there is nothing to say."""
    hints = [*_unique(roster)[:MAX_NAMES], *_unique(terms)]
    title = " ".join((title or "").split())[:MAX_TITLE_CHARS]
    if not hints and not title:
        return None
    return Prompt(
        hotwords=", ".join(hints)[:MAX_HOTWORDS_CHARS] or None,
        initial_prompt=f"Meeting: {title}." if title else None,
    )


def with_context(prompt: Prompt | None, context: str) -> Prompt | None:
    """``prompt`` followed by ``context`` (the end of what was said last) as the text
    Whisper continues from."""
    context = context[-MAX_CONTEXT_CHARS:].strip()
    if not context:
        return prompt
    base = prompt or Prompt()
    initial = f"{base.initial_prompt} {context}" if base.initial_prompt else context
    return replace(base, initial_prompt=initial)


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        cleaned = " ".join(value.split())
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return list(seen.values())
