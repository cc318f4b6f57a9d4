"""English rules for meeting minutes: sentences in, findings (action items, decisions, open
questions) out. Plain regular expressions, compiled once; a 40-line meeting takes a few ms.

How a sentence is read (first rule that applies wins, at most one finding a sentence):

1. Decisions: "we decided (not) to ...", "we agreed ...", "the decision is ...",
   "decision: ...", "let's go with ...", "we'll go ahead with ...", "..., decided",
   "that's settled / final"; and a proposal ("then we make her an offer") answered by a
   bare "Agreed." / "That's a decision." (the decision is the proposal's text). Proposals
   still under discussion ("maybe we should ...", "should we ...?") are not decisions.
2. Open questions said as such: "the open question is ...", "we still need to figure out
   whether ...", "we don't know yet if ...", "nobody knows who ...", "... is TBD".
3. Action items: an owner, a modal that commits, a task.
   - name: "Ana will / 'll / is going to / can / should / needs to / to ...", "Ana owns
     ...", "action item for Ana: ...", "let's have Ben ...", "ask Priya to ...", "assign the
     report to Priya", "Ana, please ..." / "Ana, you'll ...";
   - speaker: "I'll / I will / I'm going to / I can / I need to / let me ...";
   - listener: "can you / could you / would you ...?" with nobody named, accepted by the
     next utterance ("sure", "yes", "will do", "ok", "I'll ...");
   - group: "we need to / have to / must ...", and "we'll / we should ..." with a date.
   A named request ("Ana, can you ...?", "can you ..., Ana?") also needs an acceptance; the
   acceptance may carry the date ("Sure, next Monday"). "I can take that" / "I'll do it" /
   "I will." takes the task of the "someone needs to ..." / "who can ...?" it answers.
   Not action items: past reports ("I sent it last week", "Ben already booked the room"),
   hypotheticals ("we could maybe ...", "it might be worth ...", "if we had time ..."),
   negations ("I won't be able to ..."), meeting talk ("let me share my screen", "I'll
   think about it", "we'll talk about that in March") and jokes ("haha").
4. Questions nobody answers: a real question (not a request, not "any questions?") whose
   next two utterances say "no idea", "not sure", "I don't know", "not yet", "good
   question", "let's leave that open", "let's not decide that", or that ends the meeting.
   Answered questions are not open: the rule is conservative on purpose.

Afterwards a later sentence may revise an item: "Then next Monday." or a restatement with a
new date replaces the earlier date; "Already done" from the owner drops it.

Names: the finder's known names (directory and speakers), else a capitalised word (not a
common word such as "I", "We", "Monday", "OK") before "will / can / to / is going to" or
after "for / ask / have / let / assign ... to".
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from speech.minutes.dates_en import find_due_phrase
from speech.minutes.findings import (
    ActionFinding,
    DecisionFinding,
    Finding,
    NameFinder,
    OwnerKind,
    QuestionFinding,
)
from speech.minutes.model import Sentence

# --- sentences ---------------------------------------------------------------------------

_ABBREVIATIONS = """
    mr mrs ms dr prof st sr jr vs etc approx no dept inc ltd co corp e.g i.e a.m p.m
    """.split()  # noqa: SIM905  (a word list reads better as text)
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"')\]]*\s+(?=\S)")
_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$", re.IGNORECASE
)
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
        if _ABBREVIATION_END.search(chunk):
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


# --- word lists --------------------------------------------------------------------------

_FILLER = (
    r"(?:so|okay|ok|alright|all\s+right|right|well|um+|uh+|hmm+|erm|and|also|then|great|"
    r"yeah|yes|yep|sure|good|perfect|fine|cool|oh|anyway|by\s+the\s+way|one\s+thing|"
    r"actually|honestly|thanks|thank\s+you|now|last\s+thing|exactly|understood|got\s+it|"
    r"sounds\s+good|nice|ha|haha|look|listen|agreed|in\s+that\s+case|no\s+problem|"
    r"no\s+worries|sure\s+thing|of\s+course|fair\s+enough)"
)
_LEADING_FILLERS = re.compile(rf"^(?:{_FILLER}\b[\s,.:;!-]*)+", re.IGNORECASE)
_NOT_NAMES = frozenset(
    """
    i we you they he she it this that these those there here who what which someone somebody
    anyone anybody everyone everybody nobody no one none team all both each monday tuesday
    wednesday thursday friday saturday sunday today tomorrow january february march april
    may june july august september october november december ok okay so and but or then also
    yes no yeah sure maybe let let's lets the a an if when where why how please thanks great
    good perfect fine cool right well now next action decision question note todo agenda one
    nothing something everything sorry happy nice glad time hard easy need want going back
    welcome hope remember note due best important enough free able ready first last
    """.split()  # noqa: SIM905  (a word list reads better as text)
)
_HEDGES = re.compile(
    r"\b(?:maybe|perhaps|might|possibly|ideally|in\s+theory|i\s+wonder|what\s+if|"
    r"would\s+be\s+(?:nice|good|great|worth)|worth\s+(?:it|a\s+try)|at\s+some\s+point|"
    r"not\s+sure|i\s+guess|kind\s+of|sort\s+of)\b",
    re.IGNORECASE,
)
_JOKE = re.compile(r"\b(?:haha+|lol|just\s+kidding|kidding)\b", re.IGNORECASE)
_CONDITION = re.compile(
    r"(?:^|,?\s)(?:if|unless|in\s+case)\s+(?!(?:possible|needed|necessary|that\s+works|"
    r"that's\s+ok(?:ay)?|you\s+want|you\s+like|okay|ok)\b)",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:already|last\s+(?:week|month|time|year)|yesterday|earlier\s+today|"
    r"was\s+going\s+to|were\s+going\s+to|were\s+supposed\s+to|was\s+supposed\s+to)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:won't|will\s+not|can't|cannot|can\s+not|not\s+going\s+to|not\s+be\s+able|"
    r"don't\s+(?:need|have)\s+to|no\s+need\s+to|never|nobody|no\s+one)\b",
    re.IGNORECASE,
)
# Things said about the meeting itself, not work to do after it.
_META_TASK = re.compile(
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
_ANAPHORIC_TASK = re.compile(
    r"^(?:do|take|handle|own|cover|grab|pick\s+up|look\s+into|take\s+care\s+of|"
    r"deal\s+with|sort\s+out|sort|manage)\s+(?:it|that|this|those|them)"
    r"\b",
    re.IGNORECASE,
)

# --- owners and modals --------------------------------------------------------------------

_NAME = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?"
_NAME_MODAL = (
    r"(?:will|'ll|is\s+going\s+to|'s\s+going\s+to|is\s+gonna|to|can|should|needs\s+to|"
    r"has\s+to|is\s+to|must|shall|is\s+(?:responsible\s+for|in\s+charge\s+of|handling|"
    r"taking\s+care\s+of|taking\s+over|on))"
)
# Verbs that give ownership in the present tense: "Raj owns the patch release".
_OWNER_VERB = re.compile(
    r"^(?P<verb>owns|takes|handles|leads|drives|covers|runs|coordinates|organi[sz]es|manages|"
    r"picks\s+up)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_MODAL_AFTER_NAME = re.compile(rf"^\s*(?P<modal>{_NAME_MODAL})\s+(?P<rest>.+)$", re.IGNORECASE)
_UNKNOWN_NAME_FIRST = re.compile(rf"^(?P<name>{_NAME})(?=\s+{_NAME_MODAL}\s|\s+(?:owns|takes)\s)")
_SPEAKER = re.compile(
    r"^(?:i'll|i\s+will|i'm\s+going\s+to|i\s+am\s+going\s+to|i'm\s+gonna|i\s+can|let\s+me|"
    r"i\s+need\s+to|i\s+have\s+to|i've\s+got\s+to|i\s+must|i\s+should|"
    r"i'm\s+(?:taking|handling|on)|i\s+am\s+(?:taking|handling))\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_SPEAKER_ANAPHOR = re.compile(
    r"^(?:i'll|i\s+will|i\s+can|let\s+me|i'm)\s+(?:do|take|handle|own|cover|grab|"
    r"pick\s+up|look\s+into|take\s+care\s+of|deal\s+with|sort\s+out|on)\s*"
    r"(?:it|that|this|those|them)?\b",
    re.IGNORECASE,
)
_LEAVE_IT = re.compile(
    r"^(?:i\s+will|i\s+can|i\s+could|me|i'll\s+do\s+it|i\s+can\s+do\s+it)\W*$|"
    r"^(?:leave\s+it\s+(?:with|to)\s+me|i'm\s+on\s+it|that's\s+mine|consider\s+it\s+done)",
    re.IGNORECASE,
)
_GROUP_STRONG = re.compile(
    r"^(?:we\s+need\s+to|we\s+have\s+to|we've\s+got\s+to|we\s+must|we\s+still\s+need\s+to)"
    r"\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_GROUP_WEAK = re.compile(
    r"^(?:we'll|we\s+will|we're\s+going\s+to|we\s+are\s+going\s+to|we\s+should|let's)"
    r"\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_NOBODY_YET = re.compile(
    r"^(?:someone|somebody|anyone|anybody)\s+(?:needs\s+to|should|has\s+to|must)\s+"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)
_WHO_WILL = re.compile(
    r"^(?:who\s+(?:will|can|could|wants\s+to|is\s+going\s+to)|can\s+someone|"
    r"could\s+someone|can\s+anyone|can\s+somebody)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_ACTION_FOR = re.compile(
    r"^(?:(?:an?\s+)?(?:action\s+(?:item|point)|to-?do|task)s?\s+(?:for|on)\s+(?P<name>.+?)"
    r"\s*(?::|,|-|\bis\s+(?:to\s+)?)\s*(?P<rest>.+)$)",
    re.IGNORECASE,
)
_ACTION_COLON = re.compile(
    r"^(?:an?\s+)?(?:action\s+(?:item|point)|to-?do)s?\s*:\s*(?P<rest>.+)$", re.IGNORECASE
)
_HAVE_NAME = re.compile(
    r"^(?:let's\s+|can\s+we\s+|we'll\s+)?(?:have|get|ask)\s+(?P<after>.+)$", re.IGNORECASE
)
_LEADING_NAME = re.compile(rf"^{_NAME}")
_ASSIGN = re.compile(
    r"^(?:let's\s+|we'll\s+|i'll\s+)?(?:assign|give|hand)\s+(?P<rest>.+?)\s+to\s+(?P<name>.+?)$",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"^(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:also\s+)?"
    r"(?:(?:be\s+able\s+to|mind)\s+)?(?P<rest>.+)$",
    re.IGNORECASE,
)
_DIRECTIVE = re.compile(
    r"^(?:please\s+|you'll\s+|you\s+will\s+|you\s+need\s+to\s+|you're\s+going\s+to\s+)"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)
_VOCATIVE_END = re.compile(rf",\s*(?P<name>{_NAME})\s*[?.!]*$")
_VOCATIVE_START = re.compile(rf"^(?P<name>{_NAME})\s*,\s*(?P<rest>.+)$")

# --- decisions -----------------------------------------------------------------------------

_DECIDED = re.compile(
    r"^(?:so\s+|and\s+|then\s+)?(?:we(?:'ve|\s+have)?\s+(?:all\s+)?(?:decided|agreed|settled|"
    r"concluded)(?:\s+(?:on|that|to))?|it(?:'s|\s+is|\s+was)\s+(?:decided|agreed)(?:\s+that)?|"
    r"the\s+decision\s+is(?:\s+that|\s+to)?|decision\s*:|we(?:'re|\s+are)\s+going\s+with|"
    r"let's\s+agree(?:\s+on\s+one\s+thing)?\s*(?::|that)|"
    r"we'll\s+go\s+ahead\s+with|we\s+will\s+go\s+ahead\s+with|we're\s+going\s+ahead\s+with|"
    r"let's\s+go\s+ahead\s+with|we'll\s+go\s+with)\s*(?P<rest>.+)$",
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

# --- questions -----------------------------------------------------------------------------

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

# --- replies -------------------------------------------------------------------------------

_ACCEPT = re.compile(
    r"\b(?:sure|yes|yeah|yep|yup|ok|okay|will\s+do|of\s+course|no\s+problem|absolutely|"
    r"definitely|certainly|can\s+do|on\s+it|got\s+it|happy\s+to|that\s+works|fine|"
    r"i\s+can|i'll|i\s+will|consider\s+it\s+done|no\s+worries|sounds\s+good)\b",
    re.IGNORECASE,
)
_DECLINE = re.compile(
    r"\b(?:no(?!\s+problem|\s+worries)|not|can't|cannot|won't|sorry|unfortunately|tricky|"
    r"afraid|difficult|impossible|busy|swamped|travel(?:l)?ing)\b",
    re.IGNORECASE,
)
_ALREADY_DONE = re.compile(
    r"^\W*(?:(?:um|uh|oh|actually)\W+)*(?:already\s+done|done\s+already|that's\s+(?:already\s+)?"
    r"done|i\s+already|it's\s+already\s+done|already\s+did)",
    re.IGNORECASE,
)
_DUE_ONLY_WORDS = frozenset(
    """
    then ok okay fine so right ha actually instead it is let's say make it how about or sure
    yes yeah well no
    """.split()  # noqa: SIM905  (a word list reads better as text)
)

# --- tasks ---------------------------------------------------------------------------------

_TASK_LEAD = re.compile(
    r"^(?:(?:also|just|quickly|then|please|go\s+ahead\s+and|make\s+sure\s+to|"
    r"make\s+sure\s+i|actually|definitely|probably|still)\s+)+",
    re.IGNORECASE,
)
_TASK_TAIL = re.compile(
    r"(?:,?\s+(?:so\s+that|so|because|since|as|which|that's|that\s+is|and\s+then\s+we|"
    r"but|if\s+(?:possible|needed|necessary|that\s+works|that's\s+ok(?:ay)?))\b.*"
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


@dataclass
class _Context:
    """The sentences with where each utterance starts and ends."""

    sentences: Sequence[Sentence]
    names: NameFinder
    turn: list[int] = field(default_factory=list)  # utterance number of each sentence

    def __post_init__(self) -> None:
        number = -1
        previous = None
        for sentence in self.sentences:
            if sentence.utterance is not previous:
                number += 1
                previous = sentence.utterance
            self.turn.append(number)

    def next_turns(self, index: int, count: int) -> list[list[int]]:
        """The sentence indexes of the ``count`` utterances after sentence ``index``'s."""
        turns: list[list[int]] = []
        for later in range(index + 1, len(self.sentences)):
            if self.turn[later] == self.turn[index]:
                continue
            if not turns or self.turn[turns[-1][-1]] != self.turn[later]:
                if len(turns) == count:
                    break
                turns.append([])
            turns[-1].append(later)
        return turns

    def speaker(self, index: int) -> str | None:
        return self.sentences[index].utterance.speaker


# --- helpers -------------------------------------------------------------------------------


def _strip_fillers(text: str) -> str:
    return _LEADING_FILLERS.sub("", text.strip()).strip()


def _body(text: str) -> str:
    """The sentence without leading fillers and trailing punctuation."""
    return _strip_fillers(text).rstrip(" .!?;,")


def _lower_first(text: str, names: NameFinder) -> str:
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


def _base_verb(word: str) -> str:
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


def _task(rest: str, names: NameFinder, due: str | None) -> str:
    """The task phrase: date words, leading adverbs and trailing clauses removed."""
    task = rest.strip()
    if due:
        task = re.sub(r",?\s*" + re.escape(due) + r"\s*,?", " ", task, count=1)
    task = _VOCATIVE_END.sub("", task)
    task = task.rstrip(" .!?;,")
    for _ in range(2):
        task = _TASK_TAIL.sub("", task).strip().rstrip(" .!?;,")
        task = _TASK_LEAD.sub("", task).strip()
    task = " ".join(task.split())
    return _lower_first(task, names)


def _known_name_at(text: str, names: NameFinder, position: int = 0) -> str | None:
    for match in names.find(text):
        if match.start == position:
            return match.text
    return None


def _name_at_start(text: str, names: NameFinder) -> tuple[str, str] | None:
    """(name, rest) when ``text`` starts with a person's name: known, or a capitalised word
    followed by a modal ("Marcus will ...")."""
    known = _known_name_at(text, names)
    if known:
        return known, text[len(known) :]
    match = _UNKNOWN_NAME_FIRST.match(text)
    if match and _is_name(match["name"]):
        return match["name"], text[match.end() :]
    return None


def _is_name(candidate: str) -> bool:
    words = candidate.split()
    return bool(words) and all(
        w[:1].isupper() and re.sub(r"'s$", "", w.lower()) not in _NOT_NAMES for w in words
    )


def _leading_name(text: str, names: NameFinder) -> str | None:
    """The name ``text`` starts with: known, else one or two capitalised words."""
    known = _known_name_at(text, names)
    if known:
        return known
    match = _LEADING_NAME.match(text)
    if match is None:
        return None
    words = match[0].split()
    if len(words) == 2 and not _is_name(words[1]):
        words = words[:1]
    return " ".join(words) if _is_name(" ".join(words)) else None


def _name_in(text: str, names: NameFinder) -> str | None:
    """A name said in a short phrase ("for Chen Wei", "Ben"): known, else capitalised."""
    text = text.strip(" ,:.")
    known = names.find(text)
    if known:
        return known[0].text
    return text if _is_name(text) and len(text.split()) <= 2 else None


# --- the rules -----------------------------------------------------------------------------


@dataclass
class _Request:
    """A request that needs an acceptance: "Ana, can you ...?" or "can you ...?"."""

    task: str
    owner_kind: OwnerKind
    owner_name: str | None
    due: str | None


Found = Finding | _Request


def _decision(body: str) -> DecisionFinding | None:
    if _HEDGES.search(body) or body.endswith("?"):
        return None
    match = _DECIDED.match(body) or _GO_WITH.match(body)
    if match:
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


def _open_statement(body: str) -> QuestionFinding | None:
    match = _OPEN_STATEMENT.search(body)
    if match:
        return QuestionFinding(match["rest"].rstrip(" ?.!"))
    tbd = _TBD.match(body)
    if tbd:
        return QuestionFinding(_lower_first(_strip_fillers(tbd["rest"]), _NO_NAMES))
    return None


def _action(body: str, ctx: _Context, index: int) -> Found | None:
    """The action item a sentence states, or a request that waits for an acceptance."""
    names = ctx.names
    due = find_due_phrase(body)
    if _JOKE.search(body) or _PAST.search(body) or _NEGATION.search(body):
        return None
    if _CONDITION.search(body) and not re.match(r"^(?:action|to-?do)", body, re.I):
        return None
    question = body.endswith("?") or ctx.sentences[index].text.rstrip().endswith("?")
    text = body.rstrip("?").strip()

    for pattern in (_ACTION_FOR,):
        match = pattern.match(text)
        if match and (name := _name_in(match["name"], names)):
            return _finding(match["rest"], "name", name, due, names)
    match = _ACTION_COLON.match(text)
    if match:
        inner = _action(match["rest"], ctx, index)
        if isinstance(inner, ActionFinding):
            return inner
        named = _name_at_start(match["rest"], names)
        if named:
            modal = _MODAL_AFTER_NAME.match(named[1])
            if modal:
                return _finding(modal["rest"], "name", named[0], due, names)
        return _finding(match["rest"], "none", None, due, names)

    if _HEDGES.search(text):
        return None
    if question:
        who = _WHO_WILL.match(text)
        if who:  # "who can book the caterer?": the volunteer's "I can" takes the task
            return _Request(_task(who["rest"], names, due), "none", None, due)
        return _request(text, names, due)

    vocative = _VOCATIVE_START.match(text)
    if vocative and _name_in(vocative["name"], names):
        directive = _DIRECTIVE.match(vocative["rest"])
        if directive:
            return _finding(
                directive["rest"], "name", _name_in(vocative["name"], names), due, names
            )
    directive = _DIRECTIVE.match(text)
    if directive:
        return _Request(_task(directive["rest"], names, due), "listener", None, due)

    named = _name_at_start(text, names)
    if named:
        name, rest = named
        modal = _MODAL_AFTER_NAME.match(rest)
        if modal:
            return _finding(modal["rest"], "name", name, due, names)
        verb = _OWNER_VERB.match(rest.strip())
        if verb:
            task = _base_verb(verb["verb"].split()[0]) + " " + verb["rest"]
            return _finding(task, "name", name, due, names)
    have = _HAVE_NAME.match(text)
    if have and (person := _leading_name(have["after"], names)):
        rest = re.sub(r"^\s*to\s+", "", have["after"][len(person) :])
        return _finding(rest, "name", person, due, names)
    match = _ASSIGN.match(text)
    if match and (name := _name_in(match["name"], names)):
        return _finding(match["rest"], "name", name, due, names)
    if _LEAVE_IT.match(text) or (_SPEAKER_ANAPHOR.match(text) and _is_anaphoric(text)):
        return _Request("", "speaker", None, due)  # the task comes from the sentence before
    match = _SPEAKER.match(text)
    if match:
        return _finding(match["rest"], "speaker", None, due, names)
    match = _NOBODY_YET.match(text)
    if match:
        return _Request(_task(match["rest"], names, due), "none", None, due)
    match = _GROUP_STRONG.match(text)
    if match:
        return _finding(match["rest"], "group", None, due, names)
    match = _GROUP_WEAK.match(text)
    if match and due:
        return _finding(match["rest"], "group", None, due, names)
    return None


def _is_anaphoric(text: str) -> bool:
    words = re.sub(r"^\S+\s+(?:will\s+|can\s+|going\s+to\s+)?", "", text.lower())
    task = _task(words, _NO_NAMES, find_due_phrase(words))
    return bool(_ANAPHORIC_TASK.match(task)) or task in {"do", "take", "handle", "on"}


class _NoNames:
    def find(self, text: str) -> Sequence[object]:
        return ()


_NO_NAMES: NameFinder = _NoNames()  # type: ignore[assignment]


def _request(text: str, names: NameFinder, due: str | None) -> _Request | None:
    """ "Ana, can you ...?", "can you ..., Ana?", "can you ...?" (said to one person)."""
    name = None
    vocative = _VOCATIVE_START.match(text)
    if vocative and (name := _name_in(vocative["name"], names)):
        text = vocative["rest"]
    end = _VOCATIVE_END.search(text + "?")
    if name is None and end and (name := _name_in(end["name"], names)):
        text = text[: end.start()]
    match = _REQUEST.match(text.strip())
    if not match:
        return None
    task = _task(match["rest"], names, due)
    if not task or _META_TASK.match(task):
        return None
    return _Request(task, "name" if name else "listener", name, due)


def _finding(
    rest: str, kind: OwnerKind, name: str | None, due: str | None, names: NameFinder
) -> ActionFinding | None:
    task = _task(rest, names, due)
    if not task or _META_TASK.match(task):
        return None
    if _ANAPHORIC_TASK.match(task):
        return None  # "I'll do it" says nothing without the request it answers
    return ActionFinding(task, kind, name, due)


def _question(body: str, raw: str) -> QuestionFinding | None:
    """A real question (a candidate open question), in the minutes' wording."""
    if not raw.rstrip().endswith("?"):
        return None
    text = _VOCATIVE_END.sub("", body).rstrip(" ?")
    text = _VOCATIVE_START.sub(lambda m: m["rest"], text)
    text = re.sub(r"^(?:also|and|so|but|then)\s+", "", _strip_fillers(text), flags=re.I)
    if len(text.split()) < 4 or _META_QUESTION.match(text) or not _QUESTION_START.match(text):
        return None
    if _REQUEST.match(text) and re.match(r"^(?:can|could|would|will)\s+you\b", text, re.I):
        return None
    return QuestionFinding(_lower_first(_as_whether(text), _NO_NAMES))


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


# --- the pass over a meeting ---------------------------------------------------------------


def analyse(sentences: Sequence[Sentence], names: NameFinder) -> list[tuple[int, Finding]]:
    """Findings of the English sentences: (index into ``sentences``, finding), at most one a
    sentence, in order."""
    ctx = _Context(sentences, names)
    found: dict[int, Found] = {}
    questions: dict[int, QuestionFinding] = {}
    for index, sentence in enumerate(sentences):
        if sentence.language != "en":
            continue
        finding = _classify(sentence.text, ctx, index)
        if isinstance(finding, QuestionFinding) and _is_direct_question(sentence.text):
            questions[index] = finding
        elif finding is not None:
            found[index] = finding
    _resolve_requests(found, ctx)
    _agreements(found, ctx)
    _revisions(found, ctx)
    for index, item in list(found.items()):  # "who can ...?" that nobody took
        if isinstance(item, _Request) and item.owner_kind == "none":
            question = _question(_body(sentences[index].text), sentences[index].text)
            if question is not None:
                questions[index] = question
    for index, question in questions.items():
        if _left_open(index, ctx):
            found[index] = question
    return [(i, f) for i, f in sorted(found.items()) if not isinstance(f, _Request)]


def _is_direct_question(text: str) -> bool:
    return text.rstrip().endswith("?")


def _classify(text: str, ctx: _Context, index: int) -> Found | None:
    body = _body(text)
    if not body:
        return None
    question = text.rstrip().endswith("?")
    if not question:
        decision = _decision(body)
        if decision:
            return decision
        open_question = _open_statement(body)
        if open_question:
            return open_question
    action = _action(body + ("?" if question else ""), ctx, index)
    if action is not None:
        return action
    return _question(body, text)


def _resolve_requests(found: dict[int, Found], ctx: _Context) -> None:
    """Requests become action items when the next utterance accepts them; "I'll do it" takes
    the task of what it answers."""
    for index in sorted(found):
        item = found.get(index)
        if not isinstance(item, _Request):
            continue
        if item.owner_kind == "speaker":  # "I can take that": find what "that" is
            found.pop(index)
            antecedent = _antecedent(index, found, ctx)
            if antecedent is not None:
                found[index] = ActionFinding(
                    antecedent.task, "speaker", None, item.due or antecedent.due
                )
            continue
        if item.owner_kind == "none":
            continue  # "someone needs to ..." waits for a volunteer; not an item by itself
        replies = ctx.next_turns(index, 1)
        reply = replies[0] if replies else []
        if not reply or not _accepts(ctx.sentences[reply[0]].text):
            found.pop(index)
            continue
        due = item.due
        for later in reply:
            later_item = found.get(later)
            if isinstance(later_item, ActionFinding | _Request) and later_item.owner_kind in (
                "speaker",
                "listener",
            ):
                due = (
                    due or later_item.due_phrase
                    if isinstance(later_item, ActionFinding)
                    else due or later_item.due
                )
                found.pop(later)  # "Sure, I'll set it up for next Monday" is the same item
            elif later not in found:
                due = due or find_due_phrase(ctx.sentences[later].text)
        found[index] = ActionFinding(item.task, item.owner_kind, item.owner_name, due)


def _antecedent(index: int, found: dict[int, Found], ctx: _Context) -> _Request | None:
    """The open request or "someone needs to ..." just before ``index``."""
    for earlier in range(index - 1, max(-1, index - 4), -1):
        item = found.get(earlier)
        if isinstance(item, _Request) and item.task:
            found.pop(earlier)
            return item
    return None


def _accepts(reply: str) -> bool:
    first = (
        reply.split(",")[0] if not reply.lower().startswith(("no problem", "no worries")) else ""
    )
    if first and _DECLINE.search(first) and not _ACCEPT.match(_strip_fillers(first) or first):
        return False
    if _DECLINE.search(reply) and not _ACCEPT.search(first or reply):
        return False
    return bool(_ACCEPT.search(reply))


def _agreements(found: dict[int, Found], ctx: _Context) -> None:
    """A bare "Agreed." after a proposal makes the proposal a decision."""
    for index, sentence in enumerate(ctx.sentences):
        if sentence.language != "en" or index == 0 or not _AGREEMENT_ONLY.match(sentence.text):
            continue
        previous = index - 1
        if ctx.turn[previous] == ctx.turn[index] or previous in found:
            continue
        proposal = _body(ctx.sentences[previous].text)
        if proposal and not proposal.endswith("?") and _PROPOSAL.match(proposal):
            text = re.sub(r"^(?:then\s+|so\s+)?(?:we|let's)\s+", "", proposal, flags=re.I)
            found[previous] = DecisionFinding(_decision_text(text))


def _revisions(found: dict[int, Found], ctx: _Context) -> None:
    """A later date for the same item wins; "already done" from the owner drops it."""
    actions = [i for i in sorted(found) if isinstance(found[i], ActionFinding)]
    for index in actions:
        item = found.get(index)
        if not isinstance(item, ActionFinding):
            continue
        replies = ctx.next_turns(index, 1)
        if replies and _ALREADY_DONE.match(ctx.sentences[replies[0][0]].text):
            found.pop(index)
            continue
        new_due = _revised_due(index, item, found, ctx)
        if new_due is not None:
            found[index] = replace(item, due_phrase=new_due)


def _revised_due(
    index: int, item: ActionFinding, found: dict[int, Found], ctx: _Context
) -> str | None:
    """A date said again for this item in the next few sentences: "Then next Monday.", or the
    same task restated by the same owner with another date (the restatement is dropped)."""
    due = None
    for later in range(index + 1, min(len(ctx.sentences), index + 6)):
        other = found.get(later)
        if isinstance(other, ActionFinding):
            if _same_item(item, index, other, later, ctx) and other.due_phrase:
                found.pop(later)
                due = other.due_phrase
            continue
        if other is not None:
            continue
        text = ctx.sentences[later].text
        phrase = find_due_phrase(text)
        if phrase and _only_a_date(text, phrase):
            due = phrase
    return due


def _only_a_date(text: str, phrase: str) -> bool:
    rest = re.sub(re.escape(phrase), " ", text, count=1, flags=re.I).lower()
    words = re.findall(r"[a-z']+", rest)
    return len(words) <= 4 and all(w in _DUE_ONLY_WORDS for w in words)


def _same_item(a: ActionFinding, i: int, b: ActionFinding, j: int, ctx: _Context) -> bool:
    if a.owner_kind != b.owner_kind or a.owner_name != b.owner_name:
        return False
    if a.owner_kind == "speaker" and ctx.speaker(i) != ctx.speaker(j):
        return False
    words_a, words_b = set(a.task.lower().split()), set(b.task.lower().split())
    return len(words_a & words_b) >= 0.6 * max(len(words_a), len(words_b))


def _left_open(index: int, ctx: _Context) -> bool:
    """Nobody answered: the next two utterances say they don't know, or the meeting ends."""
    turns = ctx.next_turns(index, 2)
    if not turns:
        return True
    return any(_NON_ANSWER.search(ctx.sentences[i].text) for turn in turns for i in turn)
