"""Words shared by the English rules: fillers, hedges, past tense, negations, meeting
talk, and how a task phrase is cut out of a sentence ("I'll just send the slides by Friday,
so that ..." → "send the slides").
"""

import re
from collections.abc import Sequence

from speech.minutes.english.names import VOCATIVE_END
from speech.minutes.findings import NameFinder

_FILLER = (
    r"(?:so|okay|ok|alright|all\s+right|right|well|um+|uh+|hmm+|erm|and|also|then|great|"
    r"yeah|yes|yep|sure|good|perfect|fine|cool|oh|anyway|by\s+the\s+way|one\s+thing|"
    r"actually|honestly|thanks|thank\s+you|now|last\s+thing|exactly|understood|got\s+it|"
    r"sounds\s+good|nice|ha|haha|look|listen|agreed|in\s+that\s+case|no\s+problem|"
    r"no\s+worries|sure\s+thing|of\s+course|fair\s+enough)"
)

_LEADING_FILLERS = re.compile(rf"^(?:{_FILLER}\b[\s,.:;!-]*)+", re.IGNORECASE)

HEDGES = re.compile(
    r"\b(?:maybe|perhaps|might|possibly|ideally|in\s+theory|i\s+wonder|what\s+if|"
    r"would\s+be\s+(?:nice|good|great|worth)|worth\s+(?:it|a\s+try)|at\s+some\s+point|"
    r"not\s+sure|i\s+guess|kind\s+of|sort\s+of)\b",
    re.IGNORECASE,
)

JOKE = re.compile(r"\b(?:haha+|lol|just\s+kidding|kidding)\b", re.IGNORECASE)

CONDITION = re.compile(
    r"(?:^|,?\s)(?:if|unless|in\s+case)\s+(?!(?:possible|needed|necessary|that\s+works|"
    r"that's\s+ok(?:ay)?|you\s+want|you\s+like|okay|ok)\b)",
    re.IGNORECASE,
)

PAST = re.compile(
    r"\b(?:already|last\s+(?:week|month|time|year)|yesterday|earlier\s+today|"
    r"was\s+going\s+to|were\s+going\s+to|were\s+supposed\s+to|was\s+supposed\s+to)\b",
    re.IGNORECASE,
)

NEGATION = re.compile(
    r"\b(?:won't|will\s+not|can't|cannot|can\s+not|not\s+going\s+to|not\s+be\s+able|"
    r"don't\s+(?:need|have)\s+to|no\s+need\s+to|never|nobody|no\s+one)\b",
    re.IGNORECASE,
)

# Things said about the meeting itself, not work to do after it.
META_TASK = re.compile(
    r"^(?:think|see|talk\s+about|talk\s+(?:it|this|that)\s+(?:over|through)|discuss|chat|start|begin|get\s+started|kick\s+off|move\s+on|"
    r"wrap(?:\s+up)?|stop|pause|keep|leave|park|table|revisit|come\s+back|go\s+through|"
    r"look\s+at\s+(?:it|that|this)\s+(?:later|again)|be\b|say|admit|tell\s+you|share\s+my|"
    r"stop\s+sharing|show\s+you|walk\s+you|hand\s+(?:it\s+)?over|pass|jump|add|mention|"
    r"summari[sz]e|recap|repeat|explain|clarify|focus|hear|hope|guess|bet|try\s+that|"
    r"quickly\s+(?:check|see)|take\s+a\s+(?:break|look\s+now)|go\s+first|make\s+it\s+quick|"
    r"do\s+this\b|agree|not\b|decide|find\s+out\s*$|figure\s+(?:it|that)\s+out\s*$|"
    r"check\s*$|look\s*$|know\b|need\b|want\b|get\s+back\s+to\s+(?:it|that)\b)",
    re.IGNORECASE,
)

ANAPHORIC_TASK = re.compile(
    r"^(?:do|take|handle|own|cover|grab|pick\s+up|look\s+into|take\s+care\s+of|"
    r"deal\s+with|sort\s+out|sort|manage)\s+(?:it|that|this|those|them)"
    r"\b",
    re.IGNORECASE,
)

_TASK_LEAD = re.compile(
    r"^(?:(?:also|just|quickly|then|please|go\s+ahead\s+and|make\s+sure\s+to|"
    r"make\s+sure\s+i|actually|definitely|probably|still)\s+)+",
    re.IGNORECASE,
)

_TASK_TAIL = re.compile(
    r"(?:,?\s+(?:so\s+that|so|because|since|as|which|that's|that\s+is|and\s+then\s+we|"
    r"but|if\s+(?:possible|needed|necessary|that\s+works|that's\s+ok(?:ay)?))\b.*"
    r"|,\s+(?:it|they|it's|they're)\s.*"
    r"|,?\s+(?:then|too|as\s+well|for\s+us|please|ok(?:ay)?|right|though)\s*)$",
    re.IGNORECASE,
)

_ING_WITH_E = frozenset(
    """
    make take write update create prepare schedule handle organize organise share arrange
    coordinate finalize finalise circulate invite analyse analyze compile complete move
    drive have give issue release close chase provide improve review-e merge configure
    rotate price use raise approve source trace replace remove secure define describe manage
    measure introduce produce reduce resolve solve save decide double-check
    """.split()  # noqa: SIM905  (a word list reads better as text)
)


def strip_fillers(text: str) -> str:
    return _LEADING_FILLERS.sub("", text.strip()).strip()


def sentence_body(text: str) -> str:
    """The sentence without leading fillers and trailing punctuation."""
    return strip_fillers(text).rstrip(" .!?;,")


def lower_first(text: str, names: NameFinder) -> str:
    if not text:
        return text
    first = text.split()[0]
    if (
        first == "I"
        or (first.isupper() and len(first) > 1)
        or any(m.start == 0 for m in names.find(text))
    ):
        return text
    return text[0].lower() + text[1:]


def base_verb(word: str) -> str:
    """ "booking" → "book", "updating" → "update", "owns" → "own" (crude, for tasks)."""
    lower = word.lower()
    if lower.endswith("ing") and len(lower) > 5:
        stem = lower[:-3]
        if stem + "e" in _ING_WITH_E:
            return stem + "e"
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsfz":
            return stem[:-1]
        return stem
    if lower.endswith("es") and lower[:-2].endswith(("sh", "ch", "x", "ss")):
        return lower[:-2]
    if lower.endswith("s") and not lower.endswith("ss"):
        return lower[:-1]
    return lower


def task_phrase(rest: str, names: NameFinder, due: str | None) -> str:
    """The task phrase: date words, leading adverbs and trailing clauses removed."""
    task = rest.strip()
    if due:
        task = re.sub(r",?\s*" + re.escape(due) + r"\s*,?", " ", task, count=1)
    task = VOCATIVE_END.sub("", task)
    task = task.rstrip(" .!?;,")
    for _ in range(2):
        task = _TASK_TAIL.sub("", task).strip().rstrip(" .!?;,")
        task = _TASK_LEAD.sub("", task).strip()
    task = " ".join(task.split())
    return lower_first(task, names)


class _NoNames:
    def find(self, text: str) -> Sequence[object]:
        return ()


NO_NAMES: NameFinder = _NoNames()  # type: ignore[assignment]
