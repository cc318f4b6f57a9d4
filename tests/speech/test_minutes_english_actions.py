"""English minutes rules: action items said with a modal, and their owners and dates.

"I'll", "Ana will", "can you ... ? - Sure": who does what by when, what is not an item
(past, hedged, declined), and later lines that drop or re-date an item. Assignments without
a modal are in test_minutes_english_assignments.py.
"""

import pytest

from speech.minutes.findings import ActionFinding
from tests.speech.english_exchanges import findings, only

ACTIONS = [
    # (lines, task, owner kind, owner name, due phrase)
    (
        ["Priya: I'll send the screenshots to the design channel by Friday."],
        "send the screenshots to the design channel",
        "speaker",
        None,
        "by Friday",
    ),
    (["I will book the room tomorrow."], "book the room", "speaker", None, "tomorrow"),
    (
        ["I'm going to draft the agenda next week."],
        "draft the agenda",
        "speaker",
        None,
        "next week",
    ),
    (["Let me email the vendor today."], "email the vendor", "speaker", None, "today"),
    (["I can send the notes tonight."], "send the notes", "speaker", None, "tonight"),
    (
        ["Ana will send the slides to facilities by Friday."],
        "send the slides to facilities",
        "name",
        "Ana",
        "by Friday",
    ),
    (["Ana is going to update the budget."], "update the budget", "name", "Ana", None),
    (
        ["Marcus will label the units by Friday, so before he leaves today."],
        "label the units",
        "name",
        "Marcus",
        "by Friday",
    ),
    (
        ["Ben to update the budget by the end of the month."],
        "update the budget",
        "name",
        "Ben",
        "by the end of the month",
    ),
    (
        ["Action item for Chen Wei: update the roadmap page by the end of the month."],
        "update the roadmap page",
        "name",
        "Chen Wei",
        "by the end of the month",
    ),
    (
        ["So action item for Diego: rerun the scan at the end of the month."],
        "rerun the scan",
        "name",
        "Diego",
        "at the end of the month",
    ),
    (
        ["Let's have Ben look into the badge reader integration within two weeks."],
        "look into the badge reader integration",
        "name",
        "Ben",
        "within two weeks",
    ),
    (["Let's ask Priya to check the invoices."], "check the invoices", "name", "Priya", None),
    (["Assign the report to Priya."], "the report", "name", "Priya", None),
    (
        ["Then Raj owns the patch release, within two weeks."],
        "own the patch release",
        "name",
        "Raj",
        "within two weeks",
    ),
    (
        ["Ana: Ben, please send me the photos tomorrow."],
        "send me the photos",
        "name",
        "Ben",
        "tomorrow",
    ),
    (
        ["Ana: Ben, can you send me the photos tomorrow?", "Ben: Yep, will do."],
        "send me the photos",
        "name",
        "Ben",
        "tomorrow",
    ),
    (
        [
            "Ana: Can you also check the CSV export with the finance team, Priya?",
            "Priya: Sure, I can do that next Monday.",
        ],
        "check the CSV export with the finance team",
        "name",
        "Priya",
        "next Monday",
    ),
    (
        ["Ana: Can you book the big room for Thursday?", "Ben: Sure."],
        "book the big room",
        "listener",
        None,
        "for Thursday",
    ),
    (
        [
            "Ana: Felix, can you schedule the kickoff call?",
            "Felix: Sure, I'll set it up for next Monday.",
        ],
        "schedule the kickoff call",
        "name",
        "Felix",
        "for next Monday",
    ),
    (
        ["Ana: Someone needs to book the caterer.", "Ben: I can take that."],
        "book the caterer",
        "speaker",
        None,
        None,
    ),
    (
        ["Ana: Who will take the minutes next week?", "Ben: I will."],
        "take the minutes",
        "speaker",
        None,
        "next week",
    ),
    (["We need to renew the domain by Friday."], "renew the domain", "group", None, "by Friday"),
    (["We'll send the invitations next week."], "send the invitations", "group", None, "next week"),
    (
        ["Okay, I'll ask finance about the spare sensor budget within two weeks."],
        "ask finance about the spare sensor budget",
        "speaker",
        None,
        "within two weeks",
    ),
    (
        ["I'll clean up variant B and hand it to the developers by Friday."],
        "clean up variant B and hand it to the developers",
        "speaker",
        None,
        "by Friday",
    ),
    (
        ["Arjun: I'll talk to HR about the salary band next Monday."],
        "talk to HR about the salary band",
        "speaker",
        None,
        "next Monday",
    ),
]


@pytest.mark.parametrize(("lines", "task", "kind", "name", "due"), ACTIONS)
def test_action_items(
    lines: list[str], task: str, kind: str, name: str | None, due: str | None
) -> None:
    assert only(*lines) == ActionFinding(task, kind, name, due)  # type: ignore[arg-type]


NOT_ACTIONS = [
    ["I sent it last week."],
    ["Ben already booked the room."],
    ["We could maybe compress the model."],
    ["Should we ship the Chinese model in the first release?", "We decided not to."],
    ["It might be worth asking legal."],
    ["If we had time we could replace the whole ceiling."],
    ["I won't be able to join the customer call tomorrow."],
    ["Ana: Ben, can you send the photos?", "Ben: Sorry, I'm travelling all week."],
    ["Ana: Can you look at the cable trays?", "Ben: The cable trays are a mess."],
    ["Lucia, could you maybe also look at the cable trays at some point?"],
    ["I'll bring donuts if it works the first time, haha."],
    ["Let me share my screen."],
    ["I'll think about it."],
    ["We'll talk about those in March."],
    ["Let's get started."],
    ["Sorry to drag you in on a Sunday."],
    ["Nobody will have time over the break."],
    ["Marcus said he'd rather wire the moon."],
    ["Oh and Ruth, you were going to send them the agreement?", "Right."],
]


@pytest.mark.parametrize("lines", NOT_ACTIONS)
def test_not_action_items(lines: list[str]) -> None:
    assert not [f for f in findings(*lines) if isinstance(f, ActionFinding)]


def test_already_done_drops_the_item() -> None:
    assert findings("Tom: Raj will open a ticket.", "Raj: Already done, it's ticket 812.") == []


def test_a_later_date_revises_the_item() -> None:
    found = findings(
        "Olly: I'll publish the rota by Friday.",
        "Fi: Friday is New Year's Day, Olly.",
        "Olly: Ha, right. Then next Monday.",
    )
    assert found == [ActionFinding("publish the rota", "speaker", None, "next Monday")]


def test_a_restated_item_keeps_the_new_date() -> None:
    found = findings(
        "Ines: I'll write the release notes by Friday.",
        "Tom: Can they be earlier?",
        "Ines: Okay, fine, I'll write the release notes tomorrow then.",
    )
    assert found == [ActionFinding("write the release notes", "speaker", None, "tomorrow")]
