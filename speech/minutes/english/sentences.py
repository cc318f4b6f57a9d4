"""English sentences: one utterance's text split after . ! ? ; (not after "Mr." or
"e.g.", not inside "3.5") and before a run-on's new clause (", and I'll ...").
"""

import re

_ABBREVIATIONS = """
    mr mrs ms dr prof st sr jr vs etc approx no dept inc ltd co corp e.g i.e a.m p.m
    """.split()  # noqa: SIM905  (a word list reads better as text)

_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"')\]]*\s+(?=\S)")

_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$", re.IGNORECASE
)

# "No. 5" is a number; "No. Final answer: ..." is a "no" and a new sentence.
_BARE_NO = re.compile(r"(?:^|[\s(])no\.$", re.IGNORECASE)

# A run-on: ", and I'll ...", ", so Ben will ...": a new clause with its own owner.
_RUN_ON = re.compile(
    r",\s+(?:and|but|so|then|also|and then|and also)\s+"
    r"(?=(?:I'll|I will|I'm going to|we'll|we will|we need to|let's|let me)\b"
    r"|[A-Z][a-z]+\s+(?:will|is going to|can)\b)"
)


def split_sentences(text: str) -> list[str]:
    """One utterance's text as sentences: split after . ! ? ; (not after "Mr." or "e.g.",
    not inside "3.5") and before a run-on's new clause (", and I'll ...")."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        chunk = text[start : match.start()]
        number = not _BARE_NO.search(chunk) or text[match.end() : match.end() + 1].isdigit()
        if _ABBREVIATION_END.search(chunk) and number:
            continue
        pieces.append(chunk)
        start = match.end()
    pieces.append(text[start:])
    out: list[str] = []
    for piece in pieces:
        out += _split_run_on(piece.strip())
    return [p for p in out if p]


def _split_run_on(sentence: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _RUN_ON.finditer(sentence):
        head = sentence[start : match.start()]
        if len(head.split()) >= 3:  # "Ana, and Ben will ..." is one clause
            parts.append(head.strip() + ",")
            start = match.start() + 1
    parts.append(sentence[start:].strip())
    return parts
