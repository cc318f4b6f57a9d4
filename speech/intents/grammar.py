"""The grammar every template format compiles to (our YAML, Rhino contexts, hassil files).

A template is a tree of parts: words, alternatives, optional parts, references to slots and
to rules (macros). ``Grammar`` holds the intents with their templates, the slot lists (values
with the phrases that say them) and the built-in slot types the matcher knows how to read
(numbers, durations, dates, people from the roster).
"""

from dataclasses import dataclass, field
from typing import Any

# Slot types the matcher reads itself instead of from a list of values.
# "text" is a wildcard: the rest of the words, as heard (an action item's task).
BUILTIN_SLOT_TYPES = ("number", "duration", "date", "time", "person", "text")


@dataclass(frozen=True)
class Word:
    text: str  # one word (English) or a run of characters (Chinese), lower case


@dataclass(frozen=True)
class Sequence:
    parts: tuple["Part", ...]


@dataclass(frozen=True)
class Alternative:
    options: tuple["Part", ...]


@dataclass(frozen=True)
class Optional:
    part: "Part"


@dataclass(frozen=True)
class SlotRef:
    slot_type: str  # a slot list's name, or one of BUILTIN_SLOT_TYPES
    name: str  # the key in the result's slots (Rhino: $type:name -> name)


@dataclass(frozen=True)
class RuleRef:
    rule: str  # a named sub-template (hassil <rule>, Rhino @macro), expanded at compile time


Part = Word | Sequence | Alternative | Optional | SlotRef | RuleRef


@dataclass(frozen=True)
class SlotValue:
    value: Any  # the canonical value returned in slots ("living_room", 15, ...)
    phrases: tuple[Sequence, ...]  # the ways people say it


@dataclass
class Grammar:
    language: str  # "en", "zh", ...
    intents: dict[str, list[Sequence]] = field(default_factory=dict)
    slots: dict[str, list[SlotValue]] = field(default_factory=dict)
    rules: dict[str, Sequence] = field(default_factory=dict)
    # Slots a template sets whatever was said (hassil data blocks' `slots: {domain: light}`),
    # keyed by (intent, index of the template in intents[intent]).
    fixed_slots: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)


class GrammarError(ValueError):
    """A grammar that cannot be used: the message names the file, the template and the fix."""
