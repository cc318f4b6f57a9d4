"""Matching what was heard against a compiled grammar, tolerating recognition errors.

Compiling expands every template (alternatives, optional parts, rules) into sequences of
tokens and slot placeholders and merges them into a trie, so templates sharing a beginning
are aligned once. Matching walks the trie with one row of a word-level edit distance per
node (Levenshtein over a trie): a template token against a heard one costs nothing when
equal and little when alike in spelling or in sound ("stat" for "start", "realize" for
"release": speech/intents/phonetic.py), and a word boundary heard elsewhere ("checkin" for
"check in") is one such substitution over two words; a dropped or extra word costs 1 (0.3 for
a filler such as "the" or "please"); a slot placeholder consumes a span of heard tokens that
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
from speech.intents.phonetic import could_join, joined_cost, key, word_cost
from speech.intents.slot_readers import Span, builtin_reader, gap_cost, phrase_spans
from speech.intents.tokens import Token, norms, tokenize

# A template expanded: literal tokens and slot placeholders.
Element = str | SlotRef
MAX_EXPANSIONS = 20000  # per template: beyond this a template is a mistake, not a grammar
# A slot read: (name, value, first heard token, end), the span kept to say it again
# (-1, -1 for a slot the template sets without hearing it).
Reading = tuple[str, Any, int, int]
# One cell of a row: (cost, weight, slots read so far).
Cell = tuple[float, float, tuple[Reading, ...]]


@dataclass(frozen=True)
class IntentResult:
    intent: str | None  # None: rejected (outside the grammar, or too unsure)
    slots: dict[str, Any]
    confidence: float
    text: str


@dataclass(frozen=True)
class Parse:
    """One way the grammar reads a sentence, good enough or not: the template path taken
    (words and slot placeholders), the slots with the heard spans they were read from."""

    intent: str
    confidence: float
    path: tuple[Element, ...]
    readings: tuple[Reading, ...]
    tokens: tuple[Token, ...]  # what was heard

    @property
    def slots(self) -> dict[str, Any]:
        return {name: value for name, value, _, _ in self.readings}


@dataclass
class _Node:
    path: tuple[Element, ...] = ()  # the template tokens leading here
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
            if element not in node.children:
                node.children[element] = _Node((*node.path, element))
            node = node.children[element]
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
        best: dict[str, tuple[float, dict[str, Any]]] = {}
        for parse in self._search(text, self.threshold):
            if parse.confidence > best.get(parse.intent, (-1.0, {}))[0]:
                best[parse.intent] = (parse.confidence, parse.slots)
        return self._decide(best, text)

    def parses(self, text: str, floor: float = 0.5, limit: int | None = 5) -> list[Parse]:
        """The ``limit`` best readings of ``text`` (None: all) with a confidence of at least
        ``floor`` (below the threshold too), best first; one per template path and slots."""
        found: dict[tuple[Any, ...], Parse] = {}
        for parse in self._search(text, floor):
            if parse.confidence < floor:
                continue
            key = (parse.path, tuple((r[0], repr(r[1]), r[2], r[3]) for r in parse.readings))
            if key not in found or found[key].confidence < parse.confidence:
                found[key] = parse
        return sorted(found.values(), key=lambda p: -p.confidence)[:limit]

    def _search(self, text: str, threshold: float) -> list[Parse]:
        """Every template reached with a cost that ``threshold`` does not rule out."""
        tokens = once(tokenize(text))
        if not tokens:
            return []
        heard = [t.norm for t in tokens]
        spans: dict[tuple[str, int], list[Span]] = {}
        costs = _Costs(heard)
        out: list[Parse] = []
        row: list[Cell | None] = [(0.0, 0.0, ())]
        for token in heard:
            prev = row[-1]
            assert prev is not None
            row.append((prev[0] + gap_cost(token), prev[1] + 1, prev[2]))
        # (node, its row, depth, the template word leading to it or None, the parent's row)
        stack: list[tuple[_Node, list[Cell | None], int, str | None, list[Cell | None]]]
        stack = [(self.root, row, 0, None, row)]
        while stack:
            node, row, depth, last, parent_row = stack.pop()
            for intent, index in node.intents:
                cell = row[-1]
                if cell is not None and cell[1] > 0:
                    confidence = max(0.0, 1.0 - cell[0] / cell[1])
                    # Slots a template always sets (hassil's fixed ``slots:``), then heard ones.
                    fixed = self.grammar.fixed_slots.get((intent, index), {})
                    readings = (*((n, v, -1, -1) for n, v in fixed.items()), *cell[2])
                    out.append(Parse(intent, confidence, node.path, readings, tuple(tokens)))
            for element, child in node.children.items():
                if isinstance(element, str):
                    before = (last, parent_row) if last is not None else None
                    new = _word_row(row, element, costs, before)
                else:
                    new = _slot_row(row, element, tokens, spans, self._reader)
                floor = min((c[0] for c in new if c is not None), default=None)
                limit = (1 - threshold) * (depth + 1 + child.depth_left + len(heard))
                if floor is not None and floor <= limit:
                    word = element if isinstance(element, str) else None
                    stack.append((child, new, depth + 1, word, row))
        return out

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
    """One copy of a command the recognizer wrote more than once ("we are here we are here",
    "release the room release the": Whisper loops on short utterances, and a length bound may
    cut the loop anywhere): the shortest run of two or more words that the rest repeats."""
    norms_ = [t.norm for t in tokens]
    for period in range(2, len(tokens) - 1):
        if all(norms_[i] == norms_[i - period] for i in range(period, len(tokens))):
            return tokens[:period]
    return tokens


def _better(a: Cell | None, b: Cell | None) -> Cell | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if (a[0], -a[1]) <= (b[0], -b[1]) else b


def _add(cell: Cell | None, cost: float, weight: float = 1.0) -> Cell | None:
    return None if cell is None else (cell[0] + cost, cell[1] + weight, cell[2])


class _Costs:
    """What each template word costs against each heard token, worked out once per sentence
    (a grammar has a few hundred distinct words but thousands of trie nodes)."""

    def __init__(self, heard: list[str]) -> None:
        self.heard = heard
        self.gaps = [gap_cost(token) for token in heard]
        self._words: dict[str, list[float]] = {}
        self._splits: dict[str, list[tuple[int, float]]] = {}
        self._merges: dict[tuple[str, str], list[tuple[int, float]]] = {}
        # Heard tokens and pairs of tokens ending at k, by their first sound: a word boundary
        # heard elsewhere keeps it (phonetic.joined_cost), so only those are compared.
        self._tokens = _by_sound(list(enumerate(heard, 1)))
        self._pairs = _by_sound(
            [(k, heard[k - 2] + heard[k - 1]) for k in range(2, len(heard) + 1)]
        )

    def words(self, word: str) -> list[float]:
        """``word`` for each heard token (index k - 1)."""
        if word not in self._words:
            self._words[word] = [word_cost(word, token) for token in self.heard]
        return self._words[word]

    def splits(self, word: str) -> list[tuple[int, float]]:
        """(k, cost): ``word`` heard as the two tokens ending at k, where that is a near miss."""
        if word not in self._splits:
            h = self.heard
            costs = [
                (k, joined_cost((word,), (h[k - 2], h[k - 1])))
                for k, joined in self._pairs.get(key(word)[:1], ())
                if could_join(word, joined)
            ]
            self._splits[word] = [(k, c) for k, c in costs if c < 1.0]
        return self._splits[word]

    def merges(self, first: str, word: str) -> list[tuple[int, float]]:
        """(k, cost): ``first word`` heard as the one token k, where that is a near miss."""
        pair = (first, word)
        if pair not in self._merges:
            joined = first + word
            costs = [
                (k, joined_cost(pair, (token,)))
                for k, token in self._tokens.get(key(joined)[:1], ())
                if could_join(joined, token)
            ]
            self._merges[pair] = [(k, c) for k, c in costs if c < 1.0]
        return self._merges[pair]


def _by_sound(items: list[tuple[int, str]]) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for k, text in items:
        if key(text):
            out.setdefault(key(text)[:1], []).append((k, text))
    return out


def _word_row(
    row: list[Cell | None],
    word: str,
    costs: _Costs,
    before: tuple[str, list[Cell | None]] | None = None,
) -> list[Cell | None]:
    """The next row for a template token. Besides substituting, dropping and inserting words,
    ``word`` may stand for two heard words, and ``word`` with the template token ``before`` it
    (that token and the row before it) for one heard word: a word boundary heard otherwise."""
    drop = gap_cost(word)
    subs, gaps = costs.words(word), costs.gaps
    joins: dict[int, Cell | None] = {}
    for k, cost in costs.splits(word):
        joins[k] = _add(row[k - 2], cost, 2.0)
    if before is not None:
        for k, cost in costs.merges(before[0], word):
            joins[k] = _better(joins.get(k), _add(before[1][k - 1], cost, 2.0))
    new: list[Cell | None] = [_add(row[0], drop)]
    for k in range(1, len(row)):
        cell = _better(_add(row[k - 1], subs[k - 1]), _add(row[k], drop))
        if joins and k in joins:
            cell = _better(cell, joins[k])
        new.append(_better(cell, _add(new[k - 1], gaps[k - 1])))
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
            reading = (slot.name, value, start, end)
            read = (cell[0] + cost, cell[1] + weight, (*cell[2], reading))
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
