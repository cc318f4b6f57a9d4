"""Our template syntax, compiled to the grammar IR.

    extend [the meeting] by {duration}          optional words in [ ]
    (turn|switch) on the {room_name} (light|lamp)   alternatives in ( | )
    action item for {person}: {text:task}       {slot_type:output_name}
    <please> start minutes                      a rule (named sub-template)

``|`` also separates alternatives at the top level and inside ``[ ]``. Punctuation outside
the brackets is ignored, as it is in what was heard; words are lower-cased (and Chinese
characters folded to simplified ones) the same way the matcher tokenises speech.
"""

import re
from collections.abc import Collection

from speech.intents.grammar import (
    BUILTIN_SLOT_TYPES,
    Alternative,
    GrammarError,
    Optional,
    Part,
    RuleRef,
    Sequence,
    SlotRef,
    Word,
)
from speech.intents.tokens import norms

_SPECIAL = "()[]{}<>|"
_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def parse_template(
    template: str,
    *,
    slot_types: Collection[str] | None = None,
    rules: Collection[str] | None = None,
    where: str = "",
    allow_empty: bool = False,
) -> Sequence:
    """``template`` as a Sequence. With ``slot_types`` / ``rules`` given, references to
    anything else are errors; ``where`` (e.g. "room_en.yaml:12, intent check_in") prefixes
    messages. ``allow_empty`` admits templates that can say nothing (a rule like "[please]")."""
    parser = _Parser(template, where)
    result = parser.parse(allow_empty)
    _check_refs(result, template, where, slot_types, rules)
    return result


class _Parser:
    def __init__(self, template: str, where: str) -> None:
        self.text = template
        self.pos = 0
        self.where = where

    def fail(self, message: str) -> GrammarError:
        prefix = f"{self.where}: " if self.where else ""
        return GrammarError(f"{prefix}template {self.text!r}: {message} (at column {self.pos + 1})")

    def parse(self, allow_empty: bool) -> Sequence:
        part = self._alternatives(closing="")
        if self.pos < len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos]!r} (no matching opening bracket)")
        seq = part if isinstance(part, Sequence) else Sequence((part,))
        if not seq.parts or (_can_be_empty(seq) and not allow_empty):
            raise self.fail("no words (everything in it is optional)")
        return seq

    def _alternatives(self, closing: str) -> Part:
        options = [self._sequence(closing)]
        while self.pos < len(self.text) and self.text[self.pos] == "|":
            self.pos += 1
            options.append(self._sequence(closing))
        return options[0] if len(options) == 1 else Alternative(tuple(options))

    def _sequence(self, closing: str) -> Sequence:
        parts: list[Part] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "|" or char in ")]":
                if char in ")]" and char != closing:
                    raise self.fail(f"unexpected {char!r}")
                break
            if char in "([":
                self.pos += 1
                end = ")" if char == "(" else "]"
                inner = self._alternatives(closing=end)
                if self.pos >= len(self.text) or self.text[self.pos] != end:
                    raise self.fail(f"{char!r} is never closed with {end!r}")
                self.pos += 1
                parts.append(Optional(inner) if char == "[" else inner)
            elif char in "{<":
                parts.append(self._reference(char))
            elif char in "}>":
                raise self.fail(f"unexpected {char!r}")
            else:
                parts.extend(self._words())
        return Sequence(tuple(parts))

    def _reference(self, opening: str) -> Part:
        end = "}" if opening == "{" else ">"
        close = self.text.find(end, self.pos)
        if close < 0:
            raise self.fail(f"{opening!r} is never closed with {end!r}")
        body = self.text[self.pos + 1 : close].strip()
        self.pos = close + 1
        if opening == "<":
            if not _NAME.match(body):
                raise self.fail(f"bad rule name <{body}>")
            return RuleRef(body)
        slot_type, _, name = (s.strip() for s in body.partition(":"))
        if not _NAME.match(slot_type) or (name and not _NAME.match(name)):
            raise self.fail(f"bad slot reference {{{body}}}: use {{slot}} or {{slot:name}}")
        return SlotRef(slot_type, name or slot_type)

    def _words(self) -> list[Part]:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _SPECIAL:
            self.pos += 1
        return [Word(token) for token in norms(self.text[start : self.pos])]


def _can_be_empty(part: Part) -> bool:
    """Whether ``part`` can say nothing at all (slots and rules always say something)."""
    if isinstance(part, Optional):
        return True
    if isinstance(part, Sequence):
        return all(_can_be_empty(p) for p in part.parts)
    if isinstance(part, Alternative):
        return any(_can_be_empty(p) for p in part.options)
    return False


def _check_refs(
    part: Part,
    template: str,
    where: str,
    slot_types: Collection[str] | None,
    rules: Collection[str] | None,
) -> None:
    prefix = f"{where}: " if where else ""
    if isinstance(part, SlotRef) and slot_types is not None:
        if part.slot_type not in slot_types and part.slot_type not in BUILTIN_SLOT_TYPES:
            known = ", ".join(sorted({*slot_types, *BUILTIN_SLOT_TYPES}))
            raise GrammarError(
                f"{prefix}template {template!r}: unknown slot list {{{part.slot_type}}}"
                f" (known: {known})"
            )
    elif isinstance(part, RuleRef) and rules is not None and part.rule not in rules:
        known = ", ".join(sorted(rules)) or "none defined"
        raise GrammarError(f"{prefix}template {template!r}: unknown rule <{part.rule}> ({known})")
    elif isinstance(part, Sequence):
        for child in part.parts:
            _check_refs(child, template, where, slot_types, rules)
    elif isinstance(part, Alternative):
        for child in part.options:
            _check_refs(child, template, where, slot_types, rules)
    elif isinstance(part, Optional):
        _check_refs(part.part, template, where, slot_types, rules)
