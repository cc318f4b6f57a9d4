"""What the language rules report for one sentence, before owners and dates are resolved.

Each language module (``speech.minutes.english``, ``speech.minutes.chinese``) looks at one
sentence at a time and returns at most one finding. Turning a finding into minutes (the
owner matched against the directory, "I" resolved to the speaker or the organizer, the due
date computed from the meeting start) is ``speech.minutes.extract``'s job, the same for
every language.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class NameMatch:
    """A known person's name (or alias) found in a sentence: ``text[start:end]``."""

    start: int
    end: int
    text: str


class NameFinder(Protocol):
    """Finds the directory's names and aliases (and the transcript's speakers) in a text."""

    def find(self, text: str) -> Sequence[NameMatch]: ...


OwnerKind = Literal[
    "name",  # a person named in the sentence owns it: "Ana will send ...", "王芳负责 ..."
    "speaker",  # the one speaking: "I'll send ...", "我来 ..."
    "listener",  # the one spoken to, unnamed: "can you send ...?" said to one person
    "group",  # "we'll ...", "大家 ...": nobody in particular
    "none",  # no owner in the sentence
]


@dataclass(frozen=True)
class ActionFinding:
    task: str  # the task as a short phrase, without owner and date ("send the slides")
    owner_kind: OwnerKind
    owner_name: str | None = None  # as spoken, when owner_kind == "name"
    due_phrase: str | None = None  # the words that give the due date ("by Friday", "周五之前")


@dataclass(frozen=True)
class DecisionFinding:
    text: str  # what was decided, as said (or lightly trimmed: "we decided to" dropped)


@dataclass(frozen=True)
class QuestionFinding:
    text: str  # the question left open


Finding = ActionFinding | DecisionFinding | QuestionFinding
