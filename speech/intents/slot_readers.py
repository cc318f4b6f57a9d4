"""Reading slot values from spans of heard tokens: phrases from slot lists, numbers,
durations, dates, times, people from the room roster, and the free-text wildcard.

A reader gives, for a start position, the spans it can read: ``(end, value, cost, weight)``;
``cost`` is what misheard words cost and ``weight`` how many template tokens the span stands
for (the matcher's confidence is 1 - cost / weight over the whole sentence).
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from speech.intents import numbers
from speech.intents.tokens import Token, is_cjk, join, norms

Span = tuple[int, Any, float, float]

# Words said in passing: an extra or missing one costs little.
FILLERS = {
    "the", "a", "an", "please", "um", "uh", "er", "so", "okay", "ok", "now", "just", "hey",
    "can", "could", "you", "we", "us", "let's", "lets", "go", "and", "well", "right", "this",
    "的", "了", "吧", "呢", "啊", "呀", "嗯", "请", "一", "下", "把", "吗", "哦", "个", "那", "就",
}  # fmt: skip
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_EN_DATES = [["today"], ["tomorrow"], ["tonight"], ["next", "week"], ["end", "of", "the", "week"]]
_EN_DATES += [[d] for d in _WEEKDAYS] + [[p, d] for p in ("next", "this") for d in _WEEKDAYS]
_ZH_DATES = ["今天", "明天", "后天", "下周", "周末", "月底"]
_ZH_DATES += [f"{p}{d}" for p in ("周", "星期", "下周", "下星期") for d in "一二三四五六日天"]

# What each word a free-text slot takes costs (at most 0.3; the slot weighs one word however
# long it is, so a long free text cannot dilute the cost of what else was misheard): a
# template naming the words wins over one taking them as free text.
TEXT_WORD_COST = 0.05


@lru_cache(maxsize=65536)
def similarity(a: str, b: str) -> float:
    """How alike two tokens are, 0..1 (difflib ratio; single characters only when equal)."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.0
    ratio = SequenceMatcher(None, a, b).ratio()
    # Same consonants, other vowels ("rum" for "room"): a common mishearing.
    skeleton_a, skeleton_b = _skeleton(a), _skeleton(b)
    if len(skeleton_a) >= 2 and skeleton_a == skeleton_b:
        ratio = max(ratio, 0.75)
    return ratio


def _skeleton(word: str) -> str:
    """The consonants of an English word, repeats collapsed."""
    out = ""
    for char in word:
        if char.isascii() and char.isalpha() and char not in "aeiouy" and not out.endswith(char):
            out += char
    return out


def substitution_cost(expected: str, heard: str) -> float:
    """What hearing ``heard`` for ``expected`` costs: little for near misses ("stat")."""
    return cost_of_similarity(similarity(expected, heard))


def cost_of_similarity(ratio: float) -> float:
    """A word ``ratio`` alike (0..1) costs 0..1: near misses little, under 0.6 a whole word."""
    if ratio >= 0.8:
        return (1 - ratio) * 0.5
    if ratio >= 0.6:
        return (1 - ratio) * 1.2
    return 1.0


def gap_cost(token: str) -> float:
    """A word dropped from or added to the template."""
    return 0.3 if token in FILLERS else 1.0


def align_cost(expected: Iterable[str], heard: Iterable[str]) -> float:
    """Word-level edit distance with fuzzy substitutions."""
    exp, got = list(expected), list(heard)
    row = [0.0]
    for token in got:
        row.append(row[-1] + gap_cost(token))
    for e in exp:
        new = [row[0] + gap_cost(e)]
        for k, token in enumerate(got, 1):
            new.append(
                min(
                    row[k - 1] + substitution_cost(e, token),
                    row[k] + gap_cost(e),
                    new[k - 1] + gap_cost(token),
                )
            )
        row = new
    return row[-1]


def phrase_spans(
    phrases: list[tuple[tuple[str, ...], Any]], heard: list[str], start: int, limit: float
) -> list[Span]:
    """Spans at ``start`` that say one of ``phrases`` (fuzzily, within ``limit`` per token)."""
    best: dict[int, Span] = {}
    for tokens, value in phrases:
        size = len(tokens)
        for length in range(max(1, size - 1), size + 2):
            end = start + length
            if end > len(heard):
                break
            cost = align_cost(tokens, heard[start:end])
            if cost <= limit * size and (end not in best or cost < best[end][2]):
                best[end] = (end, value, cost, float(size))
    return list(best.values())


def builtin_reader(
    slot_type: str, language: str, roster: list[str]
) -> Callable[[list[Token], int], list[Span]] | None:
    """A reader for a built-in slot type, or None for an unknown type."""
    cjk = is_cjk(language)
    if slot_type in ("number", "duration"):
        parse = {
            ("number", False): numbers.number_en,
            ("number", True): numbers.number_zh,
            ("duration", False): numbers.duration_en,
            ("duration", True): numbers.duration_zh,
        }[(slot_type, cjk)]
        longest = 8 if cjk or slot_type == "duration" else 5

        def read_number(tokens: list[Token], start: int) -> list[Span]:
            heard = [t.norm for t in tokens]
            spans = []
            for end in range(start + 1, min(len(heard), start + longest) + 1):
                found = parse(heard[start:end])
                if found is not None and found[1] <= 0.5:
                    spans.append((end, found[0], found[1], max(1.0, (end - start) / 2)))
            return spans

        return read_number
    if slot_type == "text":
        return lambda tokens, start: [
            (end, join(tokens[start:end], language), min(0.3, TEXT_WORD_COST * (end - start)), 1.0)
            for end in range(start + 1, len(tokens) + 1)
        ]
    if slot_type == "person":
        return _person_reader(language, roster)
    if slot_type in ("date", "time"):
        return _date_reader(slot_type, language)
    return None


def _person_reader(language: str, roster: list[str]) -> Callable[[list[Token], int], list[Span]]:
    phrases: list[tuple[tuple[str, ...], Any]] = []
    for name in roster:
        tokens = tuple(norms(name))
        phrases.append((tokens, name))
        if len(tokens) > 1 and not is_cjk(language):
            phrases.append((tokens[:1], name))  # the first name alone
    if roster:
        return lambda tokens, start: phrase_spans(
            phrases, [t.norm for t in tokens], start, limit=0.25
        )

    def anyone(tokens: list[Token], start: int) -> list[Span]:
        # No roster: a word (or two or three characters) that is not a filler, at a cost;
        # in English it must be written as a name ("Ben", not "review").
        sizes = (2, 3) if is_cjk(language) else (1,)
        return [
            (start + n, join(tokens[start : start + n], language), 0.25, float(n))
            for n in sizes
            if start + n <= len(tokens)
            and not any(t.norm in FILLERS for t in tokens[start : start + n])
            and (is_cjk(language) or tokens[start].raw[:1].isupper())
        ]

    return anyone


def _date_reader(slot_type: str, language: str) -> Callable[[list[Token], int], list[Span]]:
    if slot_type == "time":
        from_words = [[h, m] for h in map(str, range(1, 13)) for m in ("am", "pm", "o'clock")]
        zh = [f"{h}点{half}" for h in "一两三四五六七八九十" for half in ("", "半")]
        zh += [f"十{h}点" for h in "一二"]
    else:
        from_words, zh = _EN_DATES, _ZH_DATES
    phrases = [(tuple(p), " ".join(p)) for p in from_words]
    if is_cjk(language):
        phrases = [(tuple(p), p) for p in zh]

    def read(tokens: list[Token], start: int) -> list[Span]:
        spans = phrase_spans(phrases, [t.norm for t in tokens], start, limit=0.2)
        return [(end, _resolve(value, language), cost, w) for end, value, cost, w in spans]

    return (
        read
        if slot_type == "date"
        else lambda tokens, start: phrase_spans(phrases, [t.norm for t in tokens], start, limit=0.2)
    )


def _resolve(phrase: str, language: str) -> str:
    """An ISO date for a date phrase when the minutes' date readers know it, else the phrase."""
    try:
        if is_cjk(language):
            from speech.minutes.dates_zh import due_date as due_zh

            found = due_zh(phrase, datetime.now())
        else:
            from speech.minutes.dates_en import due_date as due_en

            found = due_en(f"by {phrase}", datetime.now())
    except Exception:  # a date reader's failure must not fail the command
        found = None
    return found.isoformat() if found else phrase
