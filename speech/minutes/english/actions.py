"""English action items: an owner (a name, the speaker, the one asked, the group), a
modal that commits, a task; requests ("can you ...?") wait for an acceptance
(``context.resolve_requests``).
"""

import re

from speech.minutes.dates_en import find_due_phrase
from speech.minutes.english.assignments import assignment
from speech.minutes.english.context import Context, Found, Request
from speech.minutes.english.names import (
    NAME_MODAL,
    VOCATIVE_END,
    VOCATIVE_START,
    leading_name,
    name_at_start,
    name_in,
)
from speech.minutes.english.text import (
    ANAPHORIC_TASK,
    CONDITION,
    HEDGES,
    JOKE,
    META_TASK,
    NEGATION,
    NO_NAMES,
    PAST,
    base_verb,
    task_phrase,
)
from speech.minutes.findings import ActionFinding, NameFinder, OwnerKind

# Verbs that give ownership in the present tense: "Raj owns the patch release".
_OWNER_VERB = re.compile(
    r"^(?P<verb>owns|takes|handles|leads|drives|covers|runs|coordinates|organi[sz]es|manages|"
    r"picks\s+up)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)

_MODAL_AFTER_NAME = re.compile(rf"^\s*(?P<modal>{NAME_MODAL})\s+(?P<rest>.+)$", re.IGNORECASE)

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

_ASSIGN = re.compile(
    r"^(?:let's\s+|we'll\s+|i'll\s+)?(?:assign|give|hand)\s+(?P<rest>.+?)\s+to\s+(?P<name>.+?)$",
    re.IGNORECASE,
)

REQUEST = re.compile(
    r"^(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:also\s+)?"
    r"(?:(?:be\s+able\s+to|mind)\s+)?(?P<rest>.+)$",
    re.IGNORECASE,
)

_DIRECTIVE = re.compile(
    r"^(?:please\s+|you'll\s+|you\s+will\s+|you\s+need\s+to\s+|you're\s+going\s+to\s+)"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)

# Done during the meeting, not after it: "let me pull up the plan so we can see ...".
_IN_MEETING = re.compile(
    r"\b(?:pull\s+up|bring\s+up|put\s+.+?\s+up\s+on|on\s+(?:the|my)\s+(?:\w+\s+)?(?:screen|"
    r"projector)|share\s+my\s+screen|so\s+(?:that\s+)?(?:we|everyone|everybody|you\s+all|you|"
    r"people)\s+can\s+(?:all\s+)?(?:see|check|look|follow|tick|go\s+through|read|compare|"
    r"walk)|before\s+we\s+(?:finish|wrap|end|close|go|hang\s+up|leave|move\s+on))\b",
    re.IGNORECASE,
)


def action_in(body: str, ctx: Context, index: int) -> Found | None:
    """The action item a sentence states, or a request that waits for an acceptance."""
    names = ctx.names
    due = find_due_phrase(body)
    if JOKE.search(body) or PAST.search(body) or NEGATION.search(body):
        return None
    if CONDITION.search(body) and not re.match(r"^(?:action|to-?do)", body, re.I):
        return None
    question = body.endswith("?") or ctx.sentences[index].text.rstrip().endswith("?")
    text = body.rstrip("?").strip()

    for pattern in (_ACTION_FOR,):
        match = pattern.match(text)
        if match and (name := name_in(match["name"], names)):
            return _finding(match["rest"], "name", name, due, names)
    match = _ACTION_COLON.match(text)
    if match:
        inner = action_in(match["rest"], ctx, index)
        if isinstance(inner, ActionFinding):
            return inner
        named = name_at_start(match["rest"], names)
        if named:
            modal = _MODAL_AFTER_NAME.match(named[1])
            if modal:
                return _finding(modal["rest"], "name", named[0], due, names)
        return _finding(match["rest"], "none", None, due, names)

    if HEDGES.search(text):
        return None
    if question:
        who = _WHO_WILL.match(text)
        if who:  # "who can book the caterer?": the volunteer's "I can" takes the task
            return Request(task_phrase(who["rest"], names, due), "none", None, due)
        return assignment(text, names, due, question=True) or _request(text, names, due)

    vocative = VOCATIVE_START.match(text)
    if vocative and name_in(vocative["name"], names):
        directive = _DIRECTIVE.match(vocative["rest"])
        if directive:
            return _finding(directive["rest"], "name", name_in(vocative["name"], names), due, names)
    directive = _DIRECTIVE.match(text)
    if directive:
        return Request(task_phrase(directive["rest"], names, due), "listener", None, due)

    named = name_at_start(text, names)
    if named:
        name, rest = named
        modal = _MODAL_AFTER_NAME.match(rest)
        if modal:
            return _finding(modal["rest"], "name", name, due, names)
        verb = _OWNER_VERB.match(rest.strip())
        if verb:
            task = base_verb(verb["verb"].split()[0]) + " " + verb["rest"]
            return _finding(task, "name", name, due, names)
    have = _HAVE_NAME.match(text)
    if have and (person := leading_name(have["after"], names)):
        rest = re.sub(r"^\s*to\s+", "", have["after"][len(person) :])
        return _finding(rest, "name", person, due, names)
    match = _ASSIGN.match(text)
    if match and (name := name_in(match["name"], names)):
        return _finding(match["rest"], "name", name, due, names)
    given = assignment(text, names, due, question=False)
    if given is not None:
        return given
    if _LEAVE_IT.match(text) or (_SPEAKER_ANAPHOR.match(text) and _is_anaphoric(text)):
        return Request("", "speaker", None, due)  # the task comes from the sentence before
    match = _SPEAKER.match(text)
    if match and not (due is None and _IN_MEETING.search(text)):
        return _finding(match["rest"], "speaker", None, due, names)
    match = _NOBODY_YET.match(text)
    if match:
        return Request(task_phrase(match["rest"], names, due), "none", None, due)
    match = _GROUP_STRONG.match(text)
    if match:
        return _finding(match["rest"], "group", None, due, names)
    match = _GROUP_WEAK.match(text)
    if match and due:
        return _finding(match["rest"], "group", None, due, names)
    return None


def _is_anaphoric(text: str) -> bool:
    words = re.sub(r"^\S+\s+(?:will\s+|can\s+|going\s+to\s+)?", "", text.lower())
    task = task_phrase(words, NO_NAMES, find_due_phrase(words))
    return bool(ANAPHORIC_TASK.match(task)) or task in {"do", "take", "handle", "on"}


def _request(text: str, names: NameFinder, due: str | None) -> Request | None:
    """ "Ana, can you ...?", "can you ..., Ana?", "can you ...?" (said to one person)."""
    name = None
    vocative = VOCATIVE_START.match(text)
    if vocative and (name := name_in(vocative["name"], names)):
        text = vocative["rest"]
    end = VOCATIVE_END.search(text + "?")
    if name is None and end and (name := name_in(end["name"], names)):
        text = text[: end.start()]
    match = REQUEST.match(text.strip())
    if not match:
        return None
    task = task_phrase(match["rest"], names, due)
    if not task or META_TASK.match(task):
        return None
    return Request(task, "name" if name else "listener", name, due)


def _finding(
    rest: str, kind: OwnerKind, name: str | None, due: str | None, names: NameFinder
) -> ActionFinding | None:
    task = task_phrase(rest, names, due)
    if not task or META_TASK.match(task):
        return None
    if ANAPHORIC_TASK.match(task):
        return None  # "I'll do it" says nothing without the request it answers
    return ActionFinding(task, kind, name, due)
