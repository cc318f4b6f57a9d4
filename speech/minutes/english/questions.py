"""English open questions: said as such ("the open question is ...", "... is TBD"), or a
real question nobody answers.
"""

import re

from speech.minutes.english.actions import REQUEST
from speech.minutes.english.context import Context
from speech.minutes.english.names import VOCATIVE_END, VOCATIVE_START
from speech.minutes.english.text import NO_NAMES, lower_first, strip_fillers
from speech.minutes.findings import QuestionFinding

_OPEN_STATEMENT = re.compile(
    r"(?:the\s+open\s+question\s+is|open\s+question\s*:|"
    r"we\s+(?:still\s+)?(?:need|have)\s+to\s+(?:figure\s+out|work\s+out|find\s+out|decide|"
    r"determine|check|confirm|clarify)|"
    r"we\s+(?:still\s+)?(?:don't|do\s+not)\s+know(?:\s+yet)?|"
    r"(?:nobody|no\s+one)\s+(?:knows|has\s+decided|decided|has\s+checked)(?:\s+yet)?|"
    r"it's\s+(?:still\s+)?(?:unclear|open|not\s+clear)|it\s+is\s+(?:still\s+)?(?:unclear|open)|"
    r"(?:still\s+)?(?:to\s+be\s+(?:decided|determined|confirmed))|we\s+haven't\s+decided(?:\s+yet)?)"
    r"\s*:?\s*(?P<rest>(?:whether|if|who|what|when|where|which|how|why)\b.*)$",
    re.IGNORECASE,
)

_TBD = re.compile(r"^(?P<rest>.+?)\s+(?:is|are|remains?)\s+(?:still\s+)?(?:tbd|tbc|open)\b", re.I)

_NON_ANSWER = re.compile(
    r"\b(?:no\s+idea|not\s+sure|(?:don't|do\s+not|doesn't)\s+know|not\s+yet|good\s+question|"
    r"nobody\s+(?:has|knows)|no\s+one\s+(?:has|knows)|leave\s+(?:that|it|this)\s+open|"
    r"keep\s+(?:that|it|this)\s+open|come\s+back\s+to|(?:let's\s+)?not\s+decide|"
    r"park\s+(?:that|it|this)|think\s+about\s+it|need\s+to\s+find\s+out|tbd|"
    r"hard\s+to\s+say|unclear|no\s+clue|we'll\s+see|let's\s+see)\b",
    re.IGNORECASE,
)

_META_QUESTION = re.compile(
    r"^(?:any\s+\w+|anything\s+else|questions|thoughts|right|okay|ok|agreed|all\s+good|"
    r"does\s+that\s+(?:work|make\s+sense)|makes\s+sense|sounds?\s+good|everyone\s+ok|"
    r"can\s+(?:you|everyone)\s+(?:hear|see)|is\s+that\s+ok(?:ay)?|who's\s+next|"
    r"where\s+are\s+we|how\s+are\s+(?:we|you)|so\s+we're\s+all)",
    re.IGNORECASE,
)

_QUESTION_START = re.compile(
    r"^(?:do|does|did|is|are|was|were|should|shall|will|would|can|could|have|has|who|what|"
    r"when|where|which|how|why|whether)\b",
    re.IGNORECASE,
)

_KNOW_WHETHER = re.compile(
    r"^(?:do\s+we|does\s+anyone|does\s+anybody|do\s+you|did\s+anyone)\s+know\s+"
    r"(?P<rest>(?:whether|if|who|what|when|where|which|how|why)\b.+)$",
    re.IGNORECASE,
)

_SHOULD_WE = re.compile(r"^(?:should|shall)\s+(?:we|i)\s+(?P<rest>.+)$", re.IGNORECASE)

_AUX_QUESTION = re.compile(
    r"^(?P<aux>do|does|did|is|are|was|were|should|will|would|can|could|has|have)\s+"
    r"(?P<subject>we|they|you|it|he|she|i|(?:the|a|an|our|their|your|this|that|these|those)"
    r"\s+\w+(?:\s+\w+)?)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)


def open_statement(body: str) -> QuestionFinding | None:
    match = _OPEN_STATEMENT.search(body)
    if match:
        return QuestionFinding(match["rest"].rstrip(" ?.!"))
    tbd = _TBD.match(body)
    if tbd:
        return QuestionFinding(lower_first(strip_fillers(tbd["rest"]), NO_NAMES))
    return None


def as_question(body: str, raw: str) -> QuestionFinding | None:
    """A real question (a candidate open question), in the minutes' wording."""
    if not raw.rstrip().endswith("?"):
        return None
    text = VOCATIVE_END.sub("", body).rstrip(" ?")
    text = VOCATIVE_START.sub(lambda m: m["rest"], text)
    text = re.sub(r"^(?:also|and|so|but|then)\s+", "", strip_fillers(text), flags=re.I)
    if len(text.split()) < 4 or _META_QUESTION.match(text) or not _QUESTION_START.match(text):
        return None
    if REQUEST.match(text) and re.match(r"^(?:can|could|would|will)\s+you\b", text, re.I):
        return None
    return QuestionFinding(lower_first(_as_whether(text), NO_NAMES))


def _as_whether(question: str) -> str:
    """ "Should we tell X?" → "whether to tell X"; "Do they have X?" → "whether they have X"."""
    question = re.sub(r",?\s+or\s+not$", "", question, flags=re.I)
    if match := _KNOW_WHETHER.match(question):
        return re.sub(r"^if\b", "whether", match["rest"], flags=re.I)
    if match := _SHOULD_WE.match(question):
        return "whether to " + re.sub(r"^also\s+", "", match["rest"])
    if match := _AUX_QUESTION.match(question):
        aux = match["aux"].lower()
        subject, rest = match["subject"], re.sub(r"^also\s+", "", match["rest"])
        if aux in {"do", "does", "did"}:
            return f"whether {subject} {rest}"
        return f"whether {subject} {aux} {rest}"
    return question


def left_open(index: int, ctx: Context) -> bool:
    """Nobody answered: the next two utterances say they don't know, or the meeting ends."""
    turns = ctx.next_turns(index, 2)
    if not turns:
        return True
    return any(_NON_ANSWER.search(ctx.sentences[i].text) for turn in turns for i in turn)
