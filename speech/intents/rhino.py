"""Import a Picovoice Rhino context (YAML) as a ``Grammar``.

Rhino syntax, per expression: ``[a, b]`` is a choice (one required), ``(a)`` / ``(a, b)`` an
optional word or choice, ``$type:name`` a slot of ``type`` returned under ``name`` and
``@macro`` one of the macro's phrases. Macros become ``RuleRef`` parts with their phrases in
``Grammar.rules`` (the compiler expands them), slot types listed under ``slots:`` become slot
lists (value = phrase = the string), and the Rhino built-ins that are numbers map to our
``number``; the other built-ins raise ``GrammarError`` asking for their values to be listed.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from speech.intents.grammar import (
    BUILTIN_SLOT_TYPES,
    Alternative,
    Grammar,
    GrammarError,
    Optional,
    Part,
    RuleRef,
    Sequence,
    SlotRef,
    SlotValue,
    Word,
)

# Rhino built-ins our own number reader covers.
RHINO_BUILTINS = {
    "pv.SingleDigitInteger": "number",
    "pv.TwoDigitInteger": "number",
    "pv.Percent": "number",
}
# Rhino built-ins with no counterpart here: the user lists their values instead.
UNSUPPORTED_RHINO_BUILTINS = ("pv.Alphabetic", "pv.SingleDigitOrdinal", "pv.TwoDigitOrdinal")

_TOKEN = re.compile(
    r"\s+|(?P<open>[\[(])|(?P<close>[\])])|(?P<comma>,)"
    r"|\$(?P<slot>[A-Za-z_][\w.]*)(?::(?P<name>[A-Za-z_]\w*))?"
    r"|@(?P<macro>[A-Za-z_]\w*)"
    r"|(?P<word>[^\s\[\](),$@]+)"
)
_CLOSER = {"[": "]", "(": ")"}


def parse_rhino_expression(text: str) -> Sequence:
    """Parse one Rhino expression into a ``Sequence``.

    Built-in slot types are mapped here (``pv.Percent`` -> ``number``); other slot types are
    kept as written and checked by ``load_rhino``. Raises ``GrammarError`` on bad syntax.
    """
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def parse(self) -> Sequence:
        parts = self._sequence(closer=None)
        if not parts:
            raise GrammarError("the expression is empty")
        return Sequence(tuple(parts))

    def _sequence(self, closer: str | None) -> list[Part]:
        """Parts up to (not including) a ',' or closing bracket, or to the end."""
        parts: list[Part] = []
        while self.pos < len(self.tokens):
            kind, value, name = self.tokens[self.pos]
            if kind in ("close", "comma"):
                if closer is None and kind == "comma":
                    raise GrammarError("',' outside [ ] or ( )")
                if closer is None:
                    raise GrammarError(f"unexpected {value!r} (unbalanced brackets)")
                return parts
            self.pos += 1
            if kind == "open":
                parts.append(self._group(value))
            elif kind == "slot":
                parts.append(_slot(value, name))
            elif kind == "macro":
                parts.append(RuleRef(value))
            else:
                parts.append(Word(value.lower()))
        if closer is not None:
            raise GrammarError(f"missing {closer!r} (unbalanced brackets)")
        return parts

    def _group(self, opener: str) -> Part:
        closer = _CLOSER[opener]
        options: list[Part] = []
        while True:
            parts = self._sequence(closer)
            if not parts:
                raise GrammarError(f"empty choice in {opener}{closer}")
            options.append(collapse(parts))
            kind, value, _ = self.tokens[self.pos]
            self.pos += 1
            if kind == "close":
                if value != closer:
                    raise GrammarError(f"{opener!r} closed by {value!r} (unbalanced brackets)")
                break
        choice = options[0] if len(options) == 1 else Alternative(tuple(options))
        return Optional(choice) if opener == "(" else choice


def _tokenize(text: str) -> list[tuple[str, str, str | None]]:
    tokens: list[tuple[str, str, str | None]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise GrammarError(f"unexpected {text[pos]!r} at position {pos}")
        pos = match.end()
        kind = match.lastgroup
        if kind is None:  # whitespace
            continue
        if kind == "name":  # the ':name' of a slot: report the slot
            kind = "slot"
        tokens.append((kind, match.group(kind), match.group("name")))
    return tokens


def _slot(slot_type: str, name: str | None) -> SlotRef:
    if slot_type.startswith("pv."):
        if slot_type in UNSUPPORTED_RHINO_BUILTINS:
            raise GrammarError(
                f"built-in slot type {slot_type} is not supported: list its values under slots:"
            )
        if slot_type not in RHINO_BUILTINS:
            raise GrammarError(f"unknown built-in slot type {slot_type}")
        slot_type = RHINO_BUILTINS[slot_type]
    return SlotRef(slot_type, name or slot_type)


def collapse(parts: list[Part]) -> Part:
    """One part for a run of parts: the part itself when alone."""
    return parts[0] if len(parts) == 1 else Sequence(tuple(parts))


def _phrase(text: str) -> Sequence:
    return Sequence(tuple(Word(w) for w in text.lower().split()))


def walk(part: Part) -> Iterator[Part]:
    """Every part in a template tree, depth first (shared with the hassil import)."""
    yield part
    if isinstance(part, Sequence):
        children: tuple[Part, ...] = part.parts
    elif isinstance(part, Alternative):
        children = part.options
    elif isinstance(part, Optional):
        children = (part.part,)
    else:
        children = ()
    for child in children:
        yield from walk(child)


def check_rule_cycles(rules: dict[str, Sequence], where: str) -> None:
    """Raise ``GrammarError`` when a rule (macro) expands, through others, to itself."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise GrammarError(f"{where}: rules refer to themselves: {cycle}")
        if name in done or name not in rules:
            return
        for part in walk(rules[name]):
            if isinstance(part, RuleRef):
                visit(part.rule, [*path, name])
        done.add(name)

    for name in rules:
        visit(name, [])


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``; unreadable or invalid files raise ``GrammarError``."""
    try:
        return YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GrammarError(f"{path}: cannot read: {exc}") from exc
    except YAMLError as exc:
        raise GrammarError(f"{path}: not valid YAML: {exc}") from exc


def _find_context(data: Any) -> dict[str, Any] | None:
    """The mapping holding ``expressions``, wherever it is nested (``context:`` or not)."""
    if isinstance(data, dict):
        if isinstance(data.get("expressions"), dict):
            return data
        children = list(data.values())
        context = data.get("context")
        if context is not None:  # look under context: first
            children.insert(0, context)
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        found = _find_context(child)
        if found is not None:
            return found
    return None


def _strings(path: Path, what: str, values: Any) -> list[str]:
    if not isinstance(values, list) or not values:
        raise GrammarError(f"{path}: {what} must be a non-empty list of phrases")
    if any(isinstance(v, dict | list) or v is None for v in values):
        raise GrammarError(f"{path}: {what} must list plain phrases")
    return [str(v) for v in values]


def load_rhino(path: Path, language: str = "en") -> Grammar:
    """Load a Rhino context YAML file as a ``Grammar`` in ``language``."""
    context = _find_context(read_yaml(path))
    if context is None:
        raise GrammarError(f"{path}: no Rhino context here (expected context: expressions: ...)")
    grammar = Grammar(language=language)
    for slot_type, values in (context.get("slots") or {}).items():
        if slot_type in BUILTIN_SLOT_TYPES:
            raise GrammarError(
                f"{path}: slot type {slot_type!r} clashes with a built-in type: rename it"
            )
        grammar.slots[str(slot_type)] = [
            SlotValue(text, (_phrase(text),))
            for text in _strings(path, f"slot {slot_type!r}", values)
        ]
    for macro, phrases in (context.get("macros") or {}).items():
        where = f"{path}: macro {macro!r}"
        options = [_parse(where, text) for text in _strings(path, f"macro {macro!r}", phrases)]
        alternative = Alternative(tuple(collapse(list(o.parts)) for o in options))
        grammar.rules[str(macro)] = options[0] if len(options) == 1 else Sequence((alternative,))
    for macro, sequence in grammar.rules.items():
        _check_refs(grammar, f"{path}: macro {macro!r}", sequence)
    for intent, expressions in context["expressions"].items():
        templates = grammar.intents.setdefault(str(intent), [])
        for text in _strings(path, f"intent {intent!r}", expressions):
            where = f"{path}: intent {intent!r}, expression {text!r}"
            sequence = _parse(where, text)
            _check_refs(grammar, where, sequence)
            templates.append(sequence)
    check_rule_cycles(grammar.rules, str(path))
    return grammar


def _parse(where: str, text: str) -> Sequence:
    try:
        return parse_rhino_expression(text)
    except GrammarError as exc:
        raise GrammarError(f"{where}: {exc}") from exc


def _check_refs(grammar: Grammar, where: str, sequence: Sequence) -> None:
    for part in walk(sequence):
        if isinstance(part, RuleRef) and part.rule not in grammar.rules:
            raise GrammarError(f"{where}: unknown macro @{part.rule}: define it under macros:")
        if (
            isinstance(part, SlotRef)
            and part.slot_type not in grammar.slots
            and part.slot_type not in BUILTIN_SLOT_TYPES
        ):
            raise GrammarError(
                f"{where}: unknown slot type ${part.slot_type}: list its values under slots:"
            )
