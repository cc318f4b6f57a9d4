"""English minutes rules: assignments without a modal, follow-ups, and in-meeting talk.

"Ben, you take ...", "... is yours", "Put Ben down for ...": apart from the modal action
items (test_minutes_english_actions.py) because these are read from the phrasing of the
assignment and the owner's reply, and the in-meeting talk ("Let me open the tracker") they
must not be confused with.
"""

import pytest

from speech.minutes.findings import ActionFinding
from tests.speech.english_exchanges import findings, only

ASSIGNED = [
    (
        ["Ana: Ben, you take the printer order next Monday."],
        "take the printer order",
        "Ben",
        "next Monday",
    ),
    (["Ana: Priya, the venue shortlist is yours."], "the venue shortlist", "Priya", None),
    (
        ["Ana: Put Ben down for booking the shuttle, by Friday."],
        "book the shuttle",
        "Ben",
        "by Friday",
    ),
    (
        ["The next step is for Priya to call the landlord tomorrow."],
        "call the landlord",
        "Priya",
        "tomorrow",
    ),
    (
        ["Ana's on point for the grant report, by the end of the month."],
        "the grant report",
        "Ana",
        "by the end of the month",
    ),
    (["So Ben books the minibus instead, by Thursday."], "book the minibus", "Ben", "by Thursday"),
    (
        ["Ana: Could Ben own the supplier list?", "Ben: Yes, happy to."],
        "own the supplier list",
        "Ben",
        None,
    ),
    (
        ["Ana: Ben, the insurance renewal, by Friday please.", "Ben: Sure."],
        "the insurance renewal",
        "Ben",
        "by Friday",
    ),
    (
        ["Ana: Priya, the quarterly survey, can you take it?", "Priya: Yes, within two weeks."],
        "take the quarterly survey",
        "Priya",
        "within two weeks",
    ),
]


@pytest.mark.parametrize(("lines", "task", "name", "due"), ASSIGNED)
def test_assignments_without_a_modal(
    lines: list[str], task: str, name: str, due: str | None
) -> None:
    assert only(*lines) == ActionFinding(task, "name", name, due)


def test_the_owners_follow_up_is_the_same_item() -> None:
    found = findings(
        "Ana: Ben, you take the printer order.", "Ben: Sure, I'll have it done tomorrow."
    )
    assert found == [ActionFinding("take the printer order", "name", "Ben", "tomorrow")]


def test_a_second_i_will_do_it_gives_the_date() -> None:
    found = findings(
        "Ana: Someone needs to water the plants.", "Ben: I can do that. I'll do it today."
    )
    assert found == [ActionFinding("water the plants", "speaker", None, "today")]


def test_give_me_two_weeks_is_the_date() -> None:
    found = findings(
        "Ana: Someone needs to tidy the wiki.", "Ben: I can do that. Give me two weeks."
    )
    assert found == [ActionFinding("tidy the wiki", "speaker", None, "Give me two weeks")]


def test_a_new_clause_after_a_comma_is_not_the_task() -> None:
    found = findings(
        "Ana: Someone needs to fix the heater, it keeps tripping.", "Ben: I'll take that."
    )
    assert found == [ActionFinding("fix the heater", "speaker", None, None)]


def test_a_date_after_another_item_is_not_a_revision() -> None:
    found = findings(
        "Ana: I'll email the caterer today.",
        "Ana: Ben, the seating plan is yours, tomorrow if possible.",
        "Ben: Tomorrow is tight. Friday?",
        "Ana: Friday is fine.",
    )
    assert found == [
        ActionFinding("email the caterer", "speaker", None, "today"),
        ActionFinding("the seating plan", "name", "Ben", "Friday"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["Let me pull up the budget so we can see the totals."],
        ["Let me put the map up on the screen."],
        ["Let me open the tracker so everyone can follow."],
        ["Ana: Ben, you know the venue better than me."],
        ["Ana: Ben, you said the van was booked."],
        ["Ana: Can Monday work for everyone?", "Ben: Sure."],
        ["Ana: Could Ben do it?", "Ben: Sure."],
    ],
)
def test_not_assignments(lines: list[str]) -> None:
    assert not [f for f in findings(*lines) if isinstance(f, ActionFinding)]
