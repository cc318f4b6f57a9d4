"""English minutes rules: open questions, and questions answered in the meeting.

What is recorded as still open ("Nobody knows yet ...", a question nobody could answer)
against a question someone answered; a subject of its own next to actions and decisions.
"""

import pytest

from speech.minutes.findings import QuestionFinding
from tests.speech.english_exchanges import findings, only


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        (["Nobody knows yet who pays for the network switch."], "who pays for the network switch"),
        (
            ["We still need to figure out whether the venue has parking."],
            "whether the venue has parking",
        ),
        (["The open question is whether legal signs off."], "whether legal signs off"),
        (["We don't know yet if the radar is certified."], "if the radar is certified"),
        (["The venue is still TBD."], "the venue"),
        (
            ["Priya: Do we know whether the pilot room is free?", "Ana: Not yet."],
            "whether the pilot room is free",
        ),
        (
            ["Raj: Should we tell the Tokyo customer?", "Tom: I'll think about it."],
            "whether to tell the Tokyo customer",
        ),
        (
            ["Kenji: Do they have PoE on every floor?", "Ruth: I don't know."],
            "whether they have PoE on every floor",
        ),
        (["Ana: Who signs off the budget now?"], "who signs off the budget now"),
    ],
)
def test_open_questions(lines: list[str], text: str) -> None:
    assert only(*lines) == QuestionFinding(text)


@pytest.mark.parametrize(
    "lines",
    [
        ["Ana: Is the room booked for Friday?", "Ben: Yes, I booked it."],
        ["Ana: Any questions?"],
        ["Ana: Ben, where are we?", "Ben: Almost done."],
        ["Ana: What about the PIR sensors?", "Ben: We'll talk about those in March."],
    ],
)
def test_answered_questions_are_not_open(lines: list[str]) -> None:
    assert not [f for f in findings(*lines) if isinstance(f, QuestionFinding)]
