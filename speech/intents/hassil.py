"""Import Home Assistant hassil templates (intents YAML: one file or a folder) as a ``Grammar``.

Template syntax: ``(a|b)`` a choice, ``[a]`` / ``[a|b]`` optional, ``(a;b)`` a permutation
(any order), ``{list}`` / ``{list:slot}`` a slot, ``<rule>`` an expansion rule. A word glued to
a group (``light[s]``, ``(lamp|light)s``) becomes the choice of the joined words. Lists with
``values`` become slot lists (``{in: template, out: value}`` or a plain string), ``range``
lists our built-in ``number`` and ``wildcard`` lists the free-text slot type ``text``.
Expansion rules become ``RuleRef`` parts with their templates in ``Grammar.rules``; a data
block's fixed ``slots:`` go to ``Grammar.fixed_slots``.
"""

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

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
from speech.intents.rhino import check_rule_cycles, collapse, read_yaml, walk

# The slot type of wildcard lists: any words, returned as said.
TEXT_SLOT_TYPE = "text"

_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<open>[\[(])|(?P<close>[\])])|(?P<sep>[|;])"
    r"|\{(?P<slot>[^{}:\s]+)(?::(?P<name>[^{}\s]+))?\}|<(?P<rule>[^<>\s]+)>"
    r"|(?P<word>[^\s\[\](){}<>|;]+)"
)
_CLOSER = {"[": "]", "(": ")"}
_PUNCTUATION = ".,!?¿¡:。，？！：、"  # hassil ignores it in what was said; so do we
_MAX_PERMUTED = 5  # (a;b;c;d;e) is already 120 orders


class _Token(NamedTuple):
    kind: str  # open, close, sep, slot (or name: a slot with :name), rule, word
    text: str
    name: str | None
    start: int
    end: int


def parse_hassil_template(text: str, slot_types: dict[str, str] | None = None) -> Sequence:
    """Parse one hassil template.

    ``slot_types`` maps list names to slot types; a ``{list}`` not in it is an error. Without
    it, ``{list}`` refs keep the list name as their slot type.
    """
    parser = _Parser(text, slot_types)
    options, sep = parser.body(closer=None)
    part = _choice(options, sep, "template")
    return part if isinstance(part, Sequence) else Sequence((part,))


class _Parser:
    def __init__(self, text: str, slot_types: dict[str, str] | None) -> None:
        self.text, self.slot_types = text, slot_types
        self.tokens = _tokenize(text)
        self.pos = 0

    def body(self, closer: str | None) -> tuple[list[list[Part]], str | None]:
        """Options separated by '|' or ';' up to ``closer`` (consumed) or the end."""
        options: list[list[Part]] = []
        sep: str | None = None
        while True:
            options.append(self._sequence())
            if self.pos == len(self.tokens):
                if closer is not None:
                    raise GrammarError(f"missing {closer!r} (unbalanced brackets)")
                return options, sep
            token = self.tokens[self.pos]
            self.pos += 1
            if token.kind == "close":
                if token.text != closer:
                    raise GrammarError(f"unexpected {token.text!r} (unbalanced brackets)")
                return options, sep
            if sep not in (None, token.text):
                raise GrammarError("a group cannot mix '|' and ';'")
            sep = token.text

    def _sequence(self) -> list[Part]:
        parts: list[Part] = []
        spans: list[tuple[str, int]] = []  # (kind, end) of each part
        while self.pos < len(self.tokens) and self.tokens[self.pos].kind not in ("close", "sep"):
            token = self.tokens[self.pos]
            self.pos += 1
            kind = "word"
            if token.kind == "open":
                options, sep = self.body(_CLOSER[token.text])
                part = _choice(options, sep, f"{token.text}{_CLOSER[token.text]}")
                if token.text == "[" and not isinstance(part, Optional):
                    part = Optional(part)
                kind, end = "group", self.tokens[self.pos - 1].end
            elif token.kind in ("slot", "name"):
                part, kind, end = self._slot(token.text, token.name or token.text), "ref", token.end
            elif token.kind == "rule":
                part, kind, end = RuleRef(token.text), "ref", token.end
            else:
                word = token.text.lower().strip(_PUNCTUATION)
                if not word:
                    continue
                part, end = Word(word), token.end
            if spans and self._glued(spans[-1], kind, token.start):
                part, kind = _glue(parts.pop(), part), "word"
                spans.pop()
            parts.append(part)
            spans.append((kind, end))
        return parts

    def _slot(self, list_name: str, name: str) -> SlotRef:
        if self.slot_types is None:
            return SlotRef(list_name, name)
        if list_name not in self.slot_types:
            raise GrammarError(f"unknown list {{{list_name}}}: define it in lists:")
        return SlotRef(self.slot_types[list_name], name)

    def _glued(self, previous: tuple[str, int], kind: str, start: int) -> bool:
        """A word touching a group with no space on either side of the bracket."""
        prev_kind, prev_end = previous
        if prev_end != start or {prev_kind, kind} != {"word", "group"}:
            return False
        inner = self.text[start + 1] if kind == "group" else self.text[prev_end - 2]
        return not inner.isspace()


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise GrammarError(f"unbalanced {text[pos]!r} at position {pos}")
        kind = match.lastgroup or "space"
        if kind != "space":
            group = "slot" if kind == "name" else kind
            tokens.append(_Token(kind, match.group(group), match.group("name"), pos, match.end()))
        pos = match.end()
    return tokens


def _choice(options: list[list[Part]], sep: str | None, what: str) -> Part:
    """One part for a group's options: a choice, a permutation, optional if one is empty."""
    if sep == ";":
        if any(not o for o in options) or len(options) > _MAX_PERMUTED:
            raise GrammarError(f"a permutation takes 1 to {_MAX_PERMUTED} non-empty parts")
        orders = itertools.permutations(options)
        return Alternative(tuple(collapse([p for o in order for p in o]) for order in orders))
    filled = [collapse(o) for o in options if o]
    if not filled:
        raise GrammarError(f"empty {what}")
    choice = filled[0] if len(filled) == 1 else Alternative(tuple(filled))
    return Optional(choice) if len(filled) < len(options) else choice


def _texts(part: Part) -> list[str]:
    """Every word string a part can say (words joined by spaces), for gluing."""
    if isinstance(part, Word):
        return [part.text]
    if isinstance(part, Optional):
        return [*_texts(part.part), ""]
    if isinstance(part, Alternative):
        return [t for option in part.options for t in _texts(option)]
    if isinstance(part, Sequence):
        return [" ".join(ts) for ts in itertools.product(*(_texts(p) for p in part.parts))]
    raise GrammarError("a word glued to a group needs plain words in the group")


def _glue(left: Part, right: Part) -> Part:
    joined = list(dict.fromkeys(a + b for a in _texts(left) for b in _texts(right)))
    phrases = [[collapse([Word(w) for w in t.split()])] if t.strip() else [] for t in joined]
    return _choice(phrases, "|", "group")


@dataclass
class _Source:
    """What the files define, before resolving lists and rules; ``where`` names the origin."""

    language: str | None = None
    # (where, intent, template, fixed slots) in file order
    templates: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    lists: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (where, definition)
    rules: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (where, text)


def load_hassil(path: Path, language: str | None = None) -> Grammar:
    """Load a hassil intents file, or every ``*.yaml``/``*.yml`` in a folder, merged.

    ``language`` overrides the files' ``language:`` (default "en" when none says).
    """
    files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    if not files:
        raise GrammarError(f"{path}: no *.yaml files in this folder")
    source = _Source()
    for file in files:
        _read_file(file, source)
    if not source.templates:
        raise GrammarError(f"{path}: no intents with sentences found")
    grammar = Grammar(language=language or source.language or "en")
    types = _load_lists(source, grammar)
    for name, (where, text) in source.rules.items():
        grammar.rules[name] = _parse(where, text, types, source)
    check_rule_cycles(grammar.rules, str(path))
    for where, intent, text, slots in source.templates:
        templates = grammar.intents.setdefault(intent, [])
        if slots:
            grammar.fixed_slots[(intent, len(templates))] = dict(slots)
        templates.append(_parse(where, text, types, source))
    return grammar


def _read_file(file: Path, source: _Source) -> None:
    data = read_yaml(file) or {}
    if not isinstance(data, dict):
        raise GrammarError(f"{file}: expected a mapping with intents:, lists:, expansion_rules:")
    language = data.get("language")
    if language and source.language and language != source.language:
        raise GrammarError(f"{file}: language {language!r}, other files say {source.language!r}")
    source.language = source.language or language
    lists, rules, intents = (data.get(k) or {} for k in ("lists", "expansion_rules", "intents"))
    if not all(isinstance(m, dict) for m in (lists, rules, intents)):
        raise GrammarError(f"{file}: lists:, expansion_rules: and intents: must be mappings")
    for name, definition in lists.items():
        _define(source.lists, str(name), (f"{file}: list {name!r}", definition))
    _add_rules(file, rules, source)
    for intent, body in intents.items():
        for block in (body or {}).get("data") or []:
            _add_rules(file, block.get("expansion_rules") or {}, source)
            for text in block.get("sentences") or []:
                where = f"{file}: intent {intent!r}, template {text!r}"
                source.templates.append((where, str(intent), str(text), block.get("slots") or {}))


def _add_rules(file: Path, rules: dict[Any, Any], source: _Source) -> None:
    for name, text in rules.items():
        _define(source.rules, str(name), (f"{file}: expansion rule {name!r}", str(text)))


def _define(table: dict[str, Any], name: str, entry: tuple[Any, ...]) -> None:
    """Add a list or rule; the same name in two files must say the same thing."""
    if name in table and table[name][1] != entry[1]:
        raise GrammarError(f"{entry[0]}: defined differently in {table[name][0]}")
    table.setdefault(name, entry)


def _parse(where: str, text: str, types: dict[str, str], source: _Source) -> Sequence:
    """Parse with the error naming the file and template; check the rules it uses."""
    try:
        sequence = parse_hassil_template(text, types)
    except GrammarError as exc:
        raise GrammarError(f"{where}: {exc}") from exc
    for part in walk(sequence):
        if isinstance(part, RuleRef) and part.rule not in source.rules:
            raise GrammarError(
                f"{where}: unknown expansion rule <{part.rule}>: define it in expansion_rules:"
            )
    return sequence


def _load_lists(source: _Source, grammar: Grammar) -> dict[str, str]:
    """Fill ``grammar.slots`` from value lists; the slot type of every list by name."""
    types: dict[str, str] = {}
    for name, (where, definition) in source.lists.items():
        definition = definition if isinstance(definition, dict) else {}
        if "range" in definition:
            types[name] = "number"
        elif definition.get("wildcard"):
            types[name] = TEXT_SLOT_TYPE
        elif "values" in definition:
            if name in (*BUILTIN_SLOT_TYPES, TEXT_SLOT_TYPE):
                raise GrammarError(f"{where}: clashes with a built-in slot type: rename it")
            types[name] = name
            grammar.slots[name] = [_value(where, v, source) for v in definition["values"] or []]
        else:
            raise GrammarError(f"{where}: needs values:, range: or wildcard: true")
    return types


def _value(where: str, value: Any, source: _Source) -> SlotValue:
    if isinstance(value, dict):
        if "in" not in value:
            raise GrammarError(f"{where}: a value needs in: (and out:)")
        phrase, out = str(value["in"]), value.get("out", value["in"])
    else:
        phrase, out = str(value), str(value)
    # A value's phrase may use <rules> but no {lists}: hence no slot types here.
    return SlotValue(out, (_parse(f"{where}, value {phrase!r}", phrase, {}, source),))
