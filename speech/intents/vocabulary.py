"""The words a grammar can say: hints for the recognizer, so that it hears commands as the
grammar spells them ("release the room", not "realise the room")."""

from speech.intents.grammar import (
    Alternative,
    Grammar,
    Optional,
    Part,
    RuleRef,
    Sequence,
    SlotRef,
    Word,
)

MAX_HINT_CHARS = 400  # about 100 tokens: Whisper's prompt holds 224


def vocabulary(grammar: Grammar, roster: list[str] | None = None) -> list[str]:
    """Every distinct word of the templates, slot phrases and rules, most frequent first,
    then the roster's names."""
    counts: dict[str, int] = {}
    parts: list[Part] = [t for templates in grammar.intents.values() for t in templates]
    parts += [p for values in grammar.slots.values() for v in values for p in v.phrases]
    parts += list(grammar.rules.values())
    for part in parts:
        for word in _words(part):
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: -counts[w])
    return [*dict.fromkeys([*(roster or []), *ranked])]


def hotwords(grammar: Grammar, roster: list[str] | None = None) -> str:
    """The vocabulary as one hint string, cut to what the prompt holds."""
    separator = "" if grammar.language.startswith("zh") else " "
    out = ""
    for word in vocabulary(grammar, roster):
        candidate = f"{out}{separator}{word}" if out else word
        if len(candidate) > MAX_HINT_CHARS:
            break
        out = candidate
    return out


def _words(part: Part) -> list[str]:
    if isinstance(part, Word):
        return [part.text]
    if isinstance(part, Sequence):
        return [w for p in part.parts for w in _words(p)]
    if isinstance(part, Alternative):
        return [w for p in part.options for w in _words(p)]
    if isinstance(part, Optional):
        return _words(part.part)
    if isinstance(part, SlotRef | RuleRef):
        return []
    return []
