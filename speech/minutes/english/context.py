"""The meeting around a sentence: who spoke next, whether a reply accepts a request
("sure", "will do", "I'll ..."), which request "I can take that" answers, and later
revisions ("Then next Monday.", a restatement with a new date, "Already done").
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from speech.minutes.dates_en import find_due_phrase
from speech.minutes.english.text import strip_fillers
from speech.minutes.findings import ActionFinding, Finding, NameFinder, OwnerKind
from speech.minutes.model import Sentence

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


@dataclass
class Context:
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


@dataclass
class Request:
    """A request that needs an acceptance: "Ana, can you ...?" or "can you ...?"."""

    task: str
    owner_kind: OwnerKind
    owner_name: str | None
    due: str | None


Found = Finding | Request


def resolve_requests(found: dict[int, Found], ctx: Context) -> None:
    """Requests become action items when the next utterance accepts them; "I'll do it" takes
    the task of what it answers."""
    for index in sorted(found):
        item = found.get(index)
        if not isinstance(item, Request):
            continue
        if item.owner_kind == "speaker":  # "I can take that": find what "that" is
            found.pop(index)
            antecedent = _antecedent(index, found, ctx)
            if antecedent is not None:
                found[index] = ActionFinding(
                    antecedent.task, "speaker", None, item.due or antecedent.due
                )
            else:
                found[index] = item  # "I'll do it today": may follow up an earlier item
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
            if isinstance(later_item, ActionFinding | Request) and later_item.owner_kind in (
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


def _antecedent(index: int, found: dict[int, Found], ctx: Context) -> Request | None:
    """The open request or "someone needs to ..." just before ``index``."""
    for earlier in range(index - 1, max(-1, index - 4), -1):
        item = found.get(earlier)
        if isinstance(item, Request) and item.task:
            found.pop(earlier)
            return item
    return None


def _accepts(reply: str) -> bool:
    first = (
        reply.split(",")[0] if not reply.lower().startswith(("no problem", "no worries")) else ""
    )
    if first and _DECLINE.search(first) and not _ACCEPT.match(strip_fillers(first) or first):
        return False
    if _DECLINE.search(reply) and not _ACCEPT.search(first or reply):
        return False
    return bool(_ACCEPT.search(reply))


def revisions(found: dict[int, Found], ctx: Context) -> None:
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
    index: int, item: ActionFinding, found: dict[int, Found], ctx: Context
) -> str | None:
    """A date said again for this item in the next few sentences: "Then next Monday.", or the
    same task restated by the same owner with another date (the restatement is dropped)."""
    due = None
    for later in range(index + 1, min(len(ctx.sentences), index + 6)):
        other = found.get(later)
        if isinstance(other, ActionFinding):
            if not _same_item(item, index, other, later, ctx):
                break  # another item: later dates are about that one
            if other.due_phrase:
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


def _same_item(a: ActionFinding, i: int, b: ActionFinding, j: int, ctx: Context) -> bool:
    if a.owner_kind != b.owner_kind or a.owner_name != b.owner_name:
        return False
    if a.owner_kind == "speaker" and ctx.speaker(i) != ctx.speaker(j):
        return False
    words_a, words_b = set(a.task.lower().split()), set(b.task.lower().split())
    return len(words_a & words_b) >= 0.6 * max(len(words_a), len(words_b))
