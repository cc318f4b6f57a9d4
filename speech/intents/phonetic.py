"""How alike two English words *sound*, for the matcher's template words.

A recognizer writes what it hears, so its errors are words that sound like the right one but
may be spelt quite differently ("realize" for "release", "sheck" for "check", "checkin" for
"check in"). Spelling similarity (``slot_readers.similarity``) misses many of them; here a
word is also compared by its Metaphone key (jellyfish), a consonant skeleton of how it is
pronounced ("release" and "realize" are both RLS, "phone" and "fone" FN), a leading vowel
folded to "A" (Metaphone keeps its letter, which says nothing about the sound).

The rule: two words are as alike as the better of their spelling similarity and the mean of
their spelling and phonetic-key similarities, so sounding alike lifts a word at most half way
from what its spelling earns: two words with the same consonants and other vowels ("note" and
"night") stay a costly substitution, about a third of a different word. Keys of one sound
("me", "a") give no credit, keys of two only when equal ("in", AN, is not "end", ANT), longer
keys when at most one sound in four differs. A number word is compared by its spelling only,
and two different number words are never alike: "fifteen" never stands for "fifty". One
template word may match two heard words, or two template words one heard word, when the joined
spellings sound alike over their whole length ("check in" / "checkin"), at a small extra cost
for the word boundary.

Only template words go through here: slot values (numbers, durations, people, value lists)
keep the slot readers' spelling-only, stricter comparison.
"""

from difflib import SequenceMatcher
from functools import lru_cache

import jellyfish

from speech.intents.slot_readers import cost_of_similarity
from speech.intents.slot_readers import similarity as spelling_similarity

# What a split or merged word boundary ("checkin" for "check in") adds to the cost.
BOUNDARY_COST = 0.1
# How alike two different keys of three sounds or more must be to count at all (one sound in
# four off: "FLR" and "FLWR"), and the two sides of a word boundary (one in seven).
NEAR_KEY_RATIO = 0.75
JOIN_KEY_RATIO = 0.85
_NUMBER_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "half", "quarter", "first", "second", "third", "fourth", "fifth",
}  # fmt: skip


def _is_number(word: str) -> bool:
    return word in _NUMBER_WORDS or word.replace(".", "", 1).isdigit()


@lru_cache(maxsize=65536)
def key(word: str) -> str:
    """The word's Metaphone key, a leading vowel folded to "A"; "" for a non-English token."""
    letters = word.replace("'", "")
    if not letters.isascii() or not letters.isalpha():
        return ""
    code = jellyfish.metaphone(letters)
    return "A" + code[1:] if code[:1] in ("A", "E", "I", "O", "U") else code


@lru_cache(maxsize=65536)
def similarity(expected: str, heard: str) -> float:
    """How alike two words are, 0..1, by spelling and by sound (see the module's rule)."""
    if expected == heard:
        return 1.0
    if _is_number(expected) and _is_number(heard):
        return 0.0  # numbers matter: another number is another value
    spelling = spelling_similarity(expected, heard)
    key_e, key_h = key(expected), key(heard)
    if len(key_e) < 2 or len(key_h) < 2 or _is_number(expected) or _is_number(heard):
        return spelling  # a number word is compared by its spelling only
    if key_e == key_h:
        sound = 1.0
    elif min(len(key_e), len(key_h)) >= 3:
        sound = SequenceMatcher(None, key_e, key_h).ratio()
        if sound < NEAR_KEY_RATIO:
            return spelling  # more than one sound in four apart ("table" TBL, "tickle" TKL)
    else:
        return spelling  # two short keys that differ ("AN" and "ANT"): too little to go on
    return max(spelling, (spelling + sound) / 2)


@lru_cache(maxsize=65536)
def word_cost(expected: str, heard: str) -> float:
    """What hearing ``heard`` for the template word ``expected`` costs, 0..1.

    The same scale as ``slot_readers.substitution_cost``: near misses cost little, a word
    under 0.6 alike costs what a different word does (1)."""
    return cost_of_similarity(similarity(expected, heard))


@lru_cache(maxsize=65536)
def joined_cost(expected: tuple[str, ...], heard: tuple[str, ...]) -> float:
    """What hearing a word boundary differently costs: ``expected`` and ``heard`` are one and
    two words or two and one ("check", "in" against "checkin"), compared joined; 1 or more
    when that is no better than a different word."""
    words = (*expected, *heard)
    joined_e, joined_h = "".join(expected), "".join(heard)
    if any(_is_number(w) or not key(w) for w in words) or min(len(joined_e), len(joined_h)) < 4:
        return 2.0
    # Both sides must sound alike over their whole length: a joined pair that merely begins
    # like the other side ("action item" / "action") is a dropped word, not a boundary.
    if min(len(joined_e), len(joined_h)) < 0.75 * max(len(joined_e), len(joined_h)):
        return 2.0
    key_e, key_h = key(joined_e), key(joined_h)
    if key_e[:1] != key_h[:1]:
        return 2.0  # a boundary heard elsewhere keeps the first sound
    if key_e != key_h and SequenceMatcher(None, key_e, key_h).ratio() < JOIN_KEY_RATIO:
        return 2.0
    return word_cost(joined_e, joined_h) + BOUNDARY_COST


def could_join(expected: str, heard: str) -> bool:
    """A cheap necessary condition for ``joined_cost`` < 1 on these joined spellings (same
    first sound, lengths within the ratio), to skip most pairs without comparing them."""
    small, large = sorted((len(expected), len(heard)))
    return small >= 4 and small >= 0.75 * large and key(expected)[:1] == key(heard)[:1]
