"""Matching what was heard against a compiled grammar, tolerating recognition errors.

Compiling expands every template (alternatives, optional parts, rules) into sequences of
tokens and slot placeholders and merges them into a trie, so templates sharing a beginning
are aligned once. Matching walks the trie with one row of a word-level edit distance per
node (Levenshtein over a trie): a template token against a heard one costs nothing when
equal and little when alike ("stat" for "start"); a dropped or extra word costs 1 (0.3 for a
filler such as "the" or "please"); a slot placeholder consumes a span of heard tokens that
its reader accepts. Confidence = 1 - cost / weight (weight: template tokens plus extra heard
words); the best intent is returned when it reaches the threshold and its runner-up intent is
not within ``margin`` of it.
"""

from collections.abc import Callable
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from typing import Any

from speech.intents.grammar import (
    Alternative,
    Grammar,
    GrammarError,
    Optional,
    Part,
    RuleRef,
    SlotRef,
    Word,
)
from speech.intents.slot_readers import (
    Span,
    builtin_reader,
    gap_cost,
    phrase_spans,
    substitution_cost,
)
from speech.intents.tokens import Token, norms, tokenize

# A template expanded: literal tokens and slot placeholders.
Element = str | SlotRef
MAX_EXPANSIONS = 20000  # per template: beyond this a template is a mistake, not a grammar
# One cell of a row: (cost, weight, slots read so far).
Cell = tuple[float, float, tuple[tuple[str, Any], ...]]


@dataclass(frozen=True)
class IntentResult:
    intent: str | None  # None: rejected (outside the grammar, or too unsure)
    slots: dict[str, Any]
    confidence: float
    text: str


@dataclass
class _Node:
    children: dict[Element, "_Node"] = field(default_factory=dict)
    # Templates ending here: (intent, the template's index among the intent's templates).
    intents: list[tuple[str, int]] = field(default_factory=list)
    depth_left: int = 0  # the longest path below: bounds what a row can still gain


class Matcher:
    """A grammar compiled once; ``match`` many sentences against it."""

    def __init__(
        self,
        grammar: Grammar,
        roster: Seq[str] = (),
        *,
        threshold: float = 0.75,
        margin: float = 0.05,
    ) -> None:
        self.grammar = grammar
        self.threshold = threshold
        self.margin = margin
        self.roster = list(roster)
        self.root = _Node()
        for intent, templates in grammar.intents.items():
            for index, template in enumerate(templates):
                for elements in _expand(template, grammar, intent):
                    self._add(elements, (intent, index))
        _set_depth(self.root)
        self._readers: dict[str, Callable[[list[Token], int], list[Span]]] = {}
        for slot_type, values in grammar.slots.items():
            phrases = [
                (tuple(t for t in tokens if isinstance(t, str)), value.value)
                for value in values
                for phrase in value.phrases
                for tokens in _expand(phrase, grammar, f"slot {slot_type}")
                if all(isinstance(t, str) for t in tokens)  # a phrase has no slots
            ]
            self._readers[slot_type] = _list_reader(phrases)

    def _add(self, elements: list[Element], template: tuple[str, int]) -> None:
        node = self.root
        for element in elements:
            node = node.children.setdefault(element, _Node())
        if template not in node.intents:
            node.intents.append(template)

    def _reader(self, slot_type: str) -> Callable[[list[Token], int], list[Span]]:
        if slot_type not in self._readers:
            reader = builtin_reader(slot_type, self.grammar.language, self.roster)
            if reader is None:
                raise GrammarError(f"unknown slot type {{{slot_type}}}")
            self._readers[slot_type] = reader
        return self._readers[slot_type]

    def match(self, text: str) -> IntentResult:
        """The intent ``text`` expresses, its slots and a confidence in [0, 1]."""
        tokens = once(tokenize(text))
        if not tokens:
            return IntentResult(None, {}, 0.0, text)
        heard = [t.norm for t in tokens]
        spans: dict[tuple[str, int], list[Span]] = {}
        best: dict[str, tuple[float, dict[str, Any]]] = {}
        row: list[Cell | None] = [(0.0, 0.0, ())]
        for token in heard:
            prev = row[-1]
            assert prev is not None
            row.append((prev[0] + gap_cost(token), prev[1] + 1, prev[2]))
        stack = [(self.root, row, 0)]
        while stack:
            node, row, depth = stack.pop()
            for intent, index in node.intents:
                cell = row[-1]
                if cell is not None and cell[1] > 0:
                    confidence = max(0.0, 1.0 - cell[0] / cell[1])
                    if confidence > best.get(intent, (-1.0, {}))[0]:
                        # Slots a template always sets (hassil's fixed ``slots:``), then heard ones.
                        fixed = self.grammar.fixed_slots.get((intent, index), {})
                        best[intent] = (confidence, {**fixed, **dict(cell[2])})
            for element, child in node.children.items():
                if isinstance(element, str):
                    new = _word_row(row, element, heard)
                else:
                    new = _slot_row(row, element, tokens, spans, self._reader)
                floor = min((c[0] for c in new if c is not None), default=None)
                limit = (1 - self.threshold) * (depth + 1 + child.depth_left + len(heard))
                if floor is not None and floor <= limit:
                    stack.append((child, new, depth + 1))
        return self._decide(best, text)

    def _decide(self, best: dict[str, tuple[float, dict[str, Any]]], text: str) -> IntentResult:
        ranked = sorted(best.items(), key=lambda item: -item[1][0])
        if not ranked or ranked[0][1][0] < self.threshold:
            score = ranked[0][1][0] if ranked else 0.0
            return IntentResult(None, {}, round(score, 3), text)
        intent, (confidence, slots) = ranked[0]
        if len(ranked) > 1 and ranked[1][1][0] > confidence - self.margin:
            return IntentResult(None, {}, round(confidence, 3), text)  # ambiguous
        return IntentResult(intent, slots, round(confidence, 3), text)


def once(tokens: list[Token]) -> list[Token]:
    """One copy of a command the recognizer wrote twice ("we are here we are here": Whisper
    repeats short utterances): said twice, it still means it once."""
    half = len(tokens) // 2
    norms_ = [t.norm for t in tokens]
    if half and len(tokens) % 2 == 0 and norms_[:half] == norms_[half:]:
        return tokens[:half]
    return tokens


def _better(a: Cell | None, b: Cell | None) -> Cell | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if (a[0], -a[1]) <= (b[0], -b[1]) else b


def _add(cell: Cell | None, cost: float, weight: float = 1.0) -> Cell | None:
    return None if cell is None else (cell[0] + cost, cell[1] + weight, cell[2])


def _word_row(row: list[Cell | None], word: str, heard: list[str]) -> list[Cell | None]:
    """The next row for a template token."""
    drop = gap_cost(word)
    new: list[Cell | None] = [_add(row[0], drop)]
    for k, token in enumerate(heard, 1):
        cell = _better(_add(row[k - 1], substitution_cost(word, token)), _add(row[k], drop))
        new.append(_better(cell, _add(new[k - 1], gap_cost(token))))
    return new


def _slot_row(
    row: list[Cell | None],
    slot: SlotRef,
    tokens: list[Token],
    spans: dict[tuple[str, int], list[Span]],
    reader: Callable[[str], Callable[[list[Token], int], list[Span]]],
) -> list[Cell | None]:
    """The next row for a slot placeholder: it must consume a span its reader accepts."""
    new: list[Cell | None] = [None] * len(row)
    for start, cell in enumerate(row):
        if cell is None:
            continue
        key = (slot.slot_type, start)
        if key not in spans:
            spans[key] = reader(slot.slot_type)(tokens, start) if start < len(tokens) else []
        for end, value, cost, weight in spans[key]:
            read = (cell[0] + cost, cell[1] + weight, (*cell[2], (slot.name, value)))
            new[end] = _better(new[end], read)
    for k in range(1, len(new)):
        new[k] = _better(new[k], _add(new[k - 1], gap_cost(tokens[k - 1].norm)))
    return new


def _list_reader(
    phrases: list[tuple[tuple[str, ...], Any]],
) -> Callable[[list[Token], int], list[Span]]:
    return lambda tokens, start: phrase_spans(phrases, [t.norm for t in tokens], start, 0.3)


def _set_depth(node: _Node) -> int:
    node.depth_left = max((_set_depth(c) + 1 for c in node.children.values()), default=0)
    return node.depth_left


def _expand(
    part: Part, grammar: Grammar, where: str, seen: tuple[str, ...] = ()
) -> list[list[Element]]:
    """Every token sequence ``part`` can say, slots kept as placeholders."""
    if isinstance(part, Word):
        return [list(norms(part.text))]
    if isinstance(part, SlotRef):
        return [[part]]
    if isinstance(part, Optional):
        return [[], *_expand(part.part, grammar, where, seen)]
    if isinstance(part, Alternative):
        out = [e for option in part.options for e in _expand(option, grammar, where, seen)]
        return _capped(out, where)
    if isinstance(part, RuleRef):
        if part.rule in seen:
            raise GrammarError(f"{where}: rule <{part.rule}> refers to itself")
        if part.rule not in grammar.rules:
            raise GrammarError(f"{where}: unknown rule <{part.rule}>")
        return _expand(grammar.rules[part.rule], grammar, where, (*seen, part.rule))
    results: list[list[Element]] = [[]]
    for child in part.parts:
        tails = _expand(child, grammar, where, seen)
        results = _capped([head + tail for head in results for tail in tails], where)
    return results


def _capped(expansions: list[list[Element]], where: str) -> list[list[Element]]:
    if len(expansions) > MAX_EXPANSIONS:
        raise GrammarError(
            f"{where}: a template says more than {MAX_EXPANSIONS} different sentences;"
            " split it or use a slot list"
        )
    return expansions
