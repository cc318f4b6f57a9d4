"""What minutes are made of. Plain dataclasses: the extractor, the CLI, the terminal and the
hub all pass these around, and ``to_json`` gives the documented JSON shape."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Language = Literal["en", "zh"]


@dataclass(frozen=True)
class Utterance:
    """One line of a transcript: what one person said in one go."""

    text: str
    line: int | None = None  # 1-based line in a text transcript
    start: float | None = None  # seconds from the start of the audio
    speaker: str | None = None  # as written or known ("Ana", "王芳"); None: unknown


@dataclass(frozen=True)
class Sentence:
    """A sentence of an utterance: the unit the rules classify."""

    text: str
    utterance: Utterance
    language: Language


@dataclass(frozen=True)
class Evidence:
    quote: str  # the sentence the item was found in, as said
    line: int | None = None
    start: float | None = None

    @classmethod
    def of(cls, sentence: Sentence) -> "Evidence":
        return cls(sentence.text, sentence.utterance.line, sentence.utterance.start)


@dataclass(frozen=True)
class ActionItem:
    task: str  # what is to be done, as a short imperative-ish phrase ("send the slides")
    owner: str | None  # the person's name as in the directory, or as spoken; None: nobody
    owner_user_id: str | None  # the directory's id when the owner was matched
    due: date | None
    evidence: Evidence
    # Why a person should look at this item before it goes out ("owner is the organizer
    # because the speaker is unknown", "two names").
    review: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Decision:
    text: str
    evidence: Evidence


@dataclass(frozen=True)
class OpenQuestion:
    text: str
    evidence: Evidence


@dataclass
class Minutes:
    meeting_start: datetime
    language: Language  # the main language of the transcript
    action_items: list[ActionItem] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    open_questions: list[OpenQuestion] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON object (docs/minutes.md)."""
        return {
            "meeting_start": self.meeting_start.isoformat(),
            "language": self.language,
            "action_items": [
                {
                    "owner": item.owner,
                    "owner_user_id": item.owner_user_id,
                    "task": item.task,
                    "due": item.due.isoformat() if item.due else None,
                    "evidence": _evidence(item.evidence),
                    "review": list(item.review),
                }
                for item in self.action_items
            ],
            "decisions": [
                {"text": d.text, "evidence": _evidence(d.evidence)} for d in self.decisions
            ],
            "open_questions": [
                {"text": q.text, "evidence": _evidence(q.evidence)} for q in self.open_questions
            ],
        }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {"quote": evidence.quote, "line": evidence.line, "start": evidence.start}
