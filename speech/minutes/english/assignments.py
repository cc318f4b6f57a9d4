"""Ways of handing a task to someone without a modal verb (read after ``actions``' hedge
and tense checks):

- said to the person: "Ben, you take the supplier call", "Ben, the budget sheet is yours",
  "Ben, the budget sheet, by Friday please" (needs an acceptance), "Ben, the budget sheet,
  can you take it?" (needs an acceptance; the task is the noun phrase);
- about the person: "put Ben down for the supplier call", "sign Ben up for ...", "the next
  step is for Ben to ...", "could Ben own the budget sheet?" (needs an acceptance), "so Ben
  books the room instead, by Monday" (a present-tense verb with a deadline).
"""

import re

from speech.minutes.english.context import Found, Request
from speech.minutes.english.names import VOCATIVE_END, VOCATIVE_START, leading_name, name_in
from speech.minutes.english.text import ANAPHORIC_TASK, META_TASK, base_verb, task_phrase
from speech.minutes.findings import ActionFinding, NameFinder

_DETERMINER = r"(?:the|a|an|our|your|this|that|these|those|next|tomorrow's|today's)"
# "you take ...": any verb but the ones that report, think or describe ("you know", "you said").
_YOU_VERB = re.compile(
    r"^you\s+(?:also\s+|then\s+)?(?!(?:know|think|see|mean|said|say|were|was|are|have|had|did|"
    r"do|don't|didn't|guys|all|two|both|can|could|would|should|might|may|must|want|need|like|"
    r"got|get|look|seem|sound|remember|mentioned|told|asked|wanted|feel|reckon|agree|"
    r"understand|right|too|again)\b)(?P<rest>[a-z]+(?<!ed)\b.*)$",
)
_YOURS = re.compile(
    rf"^(?P<np>{_DETERMINER}\s+.+?)\s+(?:is|are)\s+(?:all\s+)?(?:yours|on\s+you|your\s+job)"
    r"(?P<tail>\b.*)$",
    re.IGNORECASE,
)
_NOUN_THEN_DUE = re.compile(rf"^(?P<np>{_DETERMINER}\s+[^,]+?)\s*,\s*(?P<tail>.+)$", re.IGNORECASE)
_NOUN_THEN_REQUEST = re.compile(
    rf"^(?P<np>{_DETERMINER}\s+[^,]+?)\s*,\s*(?P<ask>(?:can|could|would|will)\s+you\s+.+)$",
    re.IGNORECASE,
)
_ASK_TO_TAKE = re.compile(
    r"^(?:can|could|would|will)\s+you\s+(?:please\s+)?(?P<verb>take|do|handle|own|cover|grab|"
    r"pick\s+up|look\s+into|take\s+care\s+of|deal\s+with|sort\s+out|run|lead)\s+"
    r"(?:it|that|this|them|those)\b",
    re.IGNORECASE,
)
_PUT_DOWN = re.compile(
    r"^(?:let's\s+|i'll\s+|we'll\s+|can\s+we\s+|)(?:put|pencil|sign|mark|write)\s+"
    r"(?P<after>.+?)\s+(?:down|in|up)\s+(?:for|to)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_STEP_FOR = re.compile(
    r"^(?:the\s+)?(?:next\s+steps?|plan|ask|action|idea)\s+(?:is|are|will\s+be)\s+for\s+"
    r"(?P<after>.+)$",
    re.IGNORECASE,
)
_ASK_NAMED = re.compile(r"^(?:can|could|would|will)\s+(?P<after>.+)$", re.IGNORECASE)
_PRESENT_VERB = re.compile(
    r"^\s*(?:also\s+|then\s+)?(?!(?:is|has|was|does|says|thinks|knows|wants|needs|likes|seems|"
    r"feels|means|agrees|works|lives|gets|goes|looks|sounds|hopes|guesses|reckons|believes|"
    r"prefers|says|was|uses|comes)\b)(?P<verb>[a-z]+[^s\W]s)\b(?P<rest>.+)$",
)
_DEADLINE = re.compile(
    r"^(?:by|before|within|in|until|till|no\s+later|not\s+later|latest)\b|\bend\s+of\b", re.I
)
_PLEASE = re.compile(r"\b(?:please|thanks|thank\s+you|ok(?:ay)?)\b", re.IGNORECASE)


def assignment(text: str, names: NameFinder, due: str | None, question: bool) -> Found | None:
    """The task given to someone in ``text`` (no leading fillers, no final "?")."""
    person = None
    rest = text
    vocative = VOCATIVE_START.match(text)
    if vocative and (person := name_in(vocative["name"], names)):
        rest = vocative["rest"]
    else:
        end = VOCATIVE_END.search(text)
        if end and (person := name_in(end["name"], names)):
            rest = text[: end.start()]
    if question:
        return _asked(rest, person, names, due)
    if person is not None:
        said_to = _said_to(rest, person, names, due)
        if said_to is not None:
            return said_to
    return _about(text, names, due)


def _asked(rest: str, person: str | None, names: NameFinder, due: str | None) -> Found | None:
    """ "Ben, the budget sheet, can you take it?", "could Ben own the budget sheet?"."""
    noun = _NOUN_THEN_REQUEST.match(rest)
    if noun and (take := _ASK_TO_TAKE.match(noun["ask"])):
        task = task_phrase(f"{take['verb'].lower()} {noun['np']}", names, due)
        return Request(task, "name" if person else "listener", person, due)
    ask = _ASK_NAMED.match(rest)
    if person is None and ask and not re.match(r"(?i)you\b", ask["after"]):
        name = _known_name_at_start(ask["after"], names)
        after = ask["after"][len(name) :] if name else ""
        verb = re.match(r"\s+(?:please\s+)?(?P<task>[a-z]+\b.*)$", after)
        if name and verb and not re.match(r"(?:be|have|not)\b", verb["task"]):
            task = task_phrase(verb["task"], names, due)
            if task and not META_TASK.match(task) and not ANAPHORIC_TASK.match(task):
                return Request(task, "name", name, due)
    return None


def _said_to(rest: str, person: str, names: NameFinder, due: str | None) -> Found | None:
    """ "you take X", "X is yours", "X, by Friday please" said to ``person``."""
    you = _YOU_VERB.match(rest)
    if you:
        return _named(you["rest"], person, names, due)
    yours = _YOURS.match(rest)
    if yours:
        return _named(yours["np"], person, names, due)
    noun = _NOUN_THEN_DUE.match(rest)
    if noun and due and due in noun["tail"]:
        left = _PLEASE.sub(" ", noun["tail"].replace(due, " ")).strip(" ,.")
        if not left:  # "Ben, the budget sheet, by Friday please": wait for a "sure"
            return Request(task_phrase(noun["np"], names, due), "name", person, due)
    return None


def _about(text: str, names: NameFinder, due: str | None) -> Found | None:
    """ "put Ben down for ...", "the next step is for Ben to ...", "Ben books ... by ..."."""
    put = _PUT_DOWN.match(text)
    if put and (name := name_in(put["after"], names)):
        words = put["rest"].split(maxsplit=1)
        task = put["rest"]
        if words[0].lower().endswith("ing") and len(words) > 1:
            task = f"{base_verb(words[0])} {words[1]}"
        return _named(task, name, names, due)
    step = _STEP_FOR.match(text)
    if step and (name := leading_name(step["after"], names)):
        to = re.match(r"\s+to\s+(?P<task>.+)$", step["after"][len(name) :])
        if to:
            return _named(to["task"], name, names, due)
    name = leading_name(re.sub(r"(?i)^(?:so|then|and)\s+", "", text), names)
    if name and due and _DEADLINE.search(due):
        after = re.sub(r"(?i)^(?:so|then|and)\s+", "", text)[len(name) :]
        verb = _PRESENT_VERB.match(after)
        if verb and re.match(r"^\s", after):
            return _named(base_verb(verb["verb"]) + verb["rest"], name, names, due)
    return None


def _named(rest: str, name: str, names: NameFinder, due: str | None) -> ActionFinding | None:
    task = task_phrase(rest, names, due)
    task = re.sub(r"(?i)\s+instead$", "", task)
    if not task or META_TASK.match(task) or ANAPHORIC_TASK.match(task):
        return None
    return ActionFinding(task, "name", name, due)


def _known_name_at_start(text: str, names: NameFinder) -> str | None:
    return next((m.text for m in names.find(text) if m.start == 0), None)
