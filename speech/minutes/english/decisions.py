"""English decisions: "we decided (not) to ...", "let's go with ...", "..., decided",
and a proposal answered by a bare "Agreed.".
"""

import re

from speech.minutes.dates_en import find_due_phrase
from speech.minutes.english.context import Context, Found
from speech.minutes.english.text import HEDGES, base_verb, sentence_body
from speech.minutes.findings import DecisionFinding

_DECIDED = re.compile(
    r"^(?:so\s+|and\s+|then\s+)?(?:we(?:'ve|\s+have)?\s+(?:all\s+)?(?:decided|agreed|settled|"
    r"concluded)(?:\s+(?:on|that|to))?|it(?:'s|\s+is|\s+was)\s+(?:decided|agreed)(?:\s+that)?|"
    r"the\s+decision\s+is(?:\s+that|\s+to)?|decision\s*:|we(?:'re|\s+are)\s+going\s+with|"
    r"let's\s+agree(?:\s+on\s+one\s+thing)?\s*(?::|that)|"
    r"we'll\s+go\s+ahead\s+with|we\s+will\s+go\s+ahead\s+with|we're\s+going\s+ahead\s+with|"
    r"let's\s+go\s+ahead\s+with|we'll\s+go\s+with|we\s+(?:all\s+)?agree\s+(?:to|that|on)|"
    r"(?:the\s+)?consensus\s+is(?:\s+to|\s+that)?|"
    r"(?:the\s+)?final\s+(?:answer|decision|call|word)\s*(?::|is(?:\s+that|\s+to)?))\s*(?P<rest>.+)$",
    re.IGNORECASE,
)

_GO_WITH = re.compile(r"^let's\s+(?P<rest>go\s+with\s+.+)$", re.IGNORECASE)

_SETTLED_SUFFIX = re.compile(
    r"[,;:-]\s*(?:(?:that's|that\s+is|it's)\s+)?(?:decided|settled|final|agreed)\s*[.!]*$",
    re.IGNORECASE,
)

_AGREEMENT_ONLY = re.compile(
    r"^(?:(?:ok(?:ay)?|yes|yeah|good|great|fine)[,\s]+)?(?:agreed|that's\s+a\s+decision|"
    r"decided|deal|settled|that's\s+settled|that's\s+final|done\s+deal|"
    r"(?:it's\s+)?a\s+decision\s+then)\s*[.!]*$",
    re.IGNORECASE,
)

_PROPOSAL = re.compile(
    r"^(?:then\s+|so\s+)?(?:we\s+(?!could|might|may|should|need|have|had|were|did|don't\s+know)"
    r"\w+|let's\s+(?!not\b)\w+|i\s+(?:propose|suggest)|how\s+about)",
    re.IGNORECASE,
)

# "we're sticking with X", "we go ahead on Thursday": the verb stays in the decision.
_KEEP_VERB = re.compile(
    r"^(?:then\s+|so\s+)?(?:we(?:'re|\s+are|'ll|\s+will)?|let's)\s+"
    r"(?P<verb>stick(?:ing)?\s+with|go(?:ing)?\s+ahead)\b(?P<rest>.*)$",
    re.IGNORECASE,
)
# "Logical replication it is."
_IT_IS = re.compile(
    r"^(?P<rest>(?!(?:that|this|it|what|whatever|here|there|how|where|who|which|so)\b)"
    r"\S.{0,60}?)\s+it\s+is(?:\s+then)?$",
    re.IGNORECASE,
)
# "Then we decommission the old replica": a conclusion in the present tense.
_THEN_WE = re.compile(
    r"^then\s+we\s+(?!(?:need|have|had|should|could|might|may|must|can|will|would|were|was|are|"
    r"do|did|don't|didn't|know|think|see|get|got|just|still|also|really|probably|lose|miss|"
    r"wait|talk|discuss|hope|guess)\b)(?P<rest>[a-z]+(?<!ed)\s+.+)$",
    re.IGNORECASE,
)
_ACKNOWLEDGED = re.compile(r"^(?:(?:ok(?:ay)?|right|alright|good|fine|great|so)\b[\s,.!]*)+", re.I)
_TOPIC = re.compile(r"^(?:on|about|regarding|as\s+for|re)\s+[^:,]{1,40}:\s*", re.IGNORECASE)
_SETTLES = re.compile(r"^(?:that's|that\s+is|it's)\s+(?:settled|final|decided)\b", re.I)
_EITHER = re.compile(
    r"^(?:are|is|do|does|should|shall|will|would|can)\s+(?:we|they|you|it)\s+"
    r"(?P<left>.+)\s+or\s+(?P<right>.+?)\??$",
    re.IGNORECASE,
)


def decision_in(body: str, raw: str = "") -> DecisionFinding | None:
    """The decision ``body`` (the sentence without fillers) states; ``raw`` is the sentence as
    said (a leading "then" marks a conclusion)."""
    if HEDGES.search(body) or body.endswith("?"):
        return None
    then_we = _THEN_WE.match(_ACKNOWLEDGED.sub("", raw.strip()).rstrip(" .!"))
    if then_we:
        return DecisionFinding(_decision_text(then_we["rest"]))
    body = _TOPIC.sub("", body)
    match = _DECIDED.match(body) or _GO_WITH.match(body)
    if match:
        return DecisionFinding(_decision_text(match["rest"]))
    keep = _KEEP_VERB.match(body)
    if keep:
        verb = "stick with" if keep["verb"].lower().startswith("stick") else "go ahead"
        return DecisionFinding(_decision_text(verb + keep["rest"]))
    match = _IT_IS.match(body)
    if match and len(match["rest"].split()) >= 2 and find_due_phrase(match["rest"]) is None:
        return DecisionFinding(_decision_text(match["rest"]))
    if _SETTLED_SUFFIX.search(body):
        text = _SETTLED_SUFFIX.sub("", body)
        go_with = _GO_WITH.match(text)
        if go_with:
            text = go_with["rest"]
        text = re.sub(r"^(?:then\s+|so\s+)?(?:let's|we'll|we\s+will)\s+", "", text, flags=re.I)
        if len(text.split()) >= 2:
            return DecisionFinding(_decision_text(text))
    return None


def _decision_text(text: str) -> str:
    """ "we don't install anything" → "not install anything"; "to keep X" → "keep X"."""
    text = text.strip(" .!,:;")
    text = re.sub(r"^(?:that\s+)?(?:we(?:'ll|\s+will)?\s+)?", "", text, flags=re.I)
    text = re.sub(r"^(?:don't|do\s+not|won't|will\s+not)\s+", "not ", text, flags=re.I)
    text = re.sub(r"^(?:not\s+)?to\s+", lambda m: "not " if "not" in m[0] else "", text)
    text = re.sub(r"[,;]\s*(?:decided|settled|final|agreed)$", "", text, flags=re.I)
    return text.strip()


def agreements(found: dict[int, Found], ctx: Context) -> None:
    """A bare "Agreed." after a proposal makes the proposal a decision."""
    for index, sentence in enumerate(ctx.sentences):
        if sentence.language != "en" or index == 0 or not _AGREEMENT_ONLY.match(sentence.text):
            continue
        previous = index - 1
        if ctx.turn[previous] == ctx.turn[index] or previous in found:
            continue
        proposal = sentence_body(ctx.sentences[previous].text)
        if proposal and not proposal.endswith("?") and _PROPOSAL.match(proposal):
            text = re.sub(r"^(?:then\s+|so\s+)?(?:we|let's)\s+", "", proposal, flags=re.I)
            found[previous] = DecisionFinding(_decision_text(text))


def settled_answers(found: dict[int, Found], ctx: Context) -> None:
    """ "From the demand letter. That's settled.": the answer to "are we claiming interest
    from the invoice date or from the demand letter?" is the decision."""
    for index in range(2, len(ctx.sentences)):
        answer = index - 1
        if answer in found or ctx.turn[answer] != ctx.turn[index]:
            continue
        if not _SETTLES.match(sentence_body(ctx.sentences[index].text)):
            continue
        said = sentence_body(ctx.sentences[answer].text)
        question = ctx.sentences[answer - 1]
        either = _EITHER.match(sentence_body(question.text) + "?")
        if ctx.turn[answer - 1] == ctx.turn[answer] or not question.text.rstrip().endswith("?"):
            either = None
        if either and len(said.split()) <= 6:
            first = said.split()[0].lower()
            left = either["left"]
            cut = left.lower().rfind(f" {first} ")
            text = f"{left[:cut]} {said[0].lower()}{said[1:]}" if cut > 0 else said
            words = text.split()
            found[answer] = DecisionFinding(" ".join([base_verb(words[0]), *words[1:]]))
        elif len(said.split()) >= 3 and not HEDGES.search(said):
            found[answer] = DecisionFinding(_decision_text(said))
