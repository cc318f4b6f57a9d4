"""English minutes rules: sentences, and what each short exchange yields."""

from collections.abc import Sequence

import pytest

from speech.minutes.directory import Directory, Person
from speech.minutes.english import analyse, split_sentences
from speech.minutes.findings import ActionFinding, DecisionFinding, Finding, QuestionFinding
from speech.minutes.model import Sentence, Utterance

PEOPLE = Directory(
    [
        Person("ana", "Ana Lima", ("Ana",)),
        Person("ben", "Ben Ortiz", ("Ben",)),
        Person("priya", "Priya Nair", ("Priya",)),
        Person("chenwei", "Chen Wei", ("Wei",)),
    ]
)


def _sentences(lines: Sequence[str]) -> list[Sentence]:
    """``"Ana: text"`` lines (or lines with no speaker) as English sentences."""
    out = []
    for number, line in enumerate(lines, start=1):
        speaker, _, text = line.partition(": ") if ": " in line[:12] else ("", "", line)
        utterance = Utterance(text, line=number, speaker=speaker or None)
        out += [Sentence(s, utterance, "en") for s in split_sentences(text)]
    return out


def findings(*lines: str) -> list[Finding]:
    return [finding for _, finding in analyse(_sentences(lines), PEOPLE)]


def only(*lines: str) -> Finding:
    found = findings(*lines)
    assert len(found) == 1, found
    return found[0]


# --- sentences ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Okay. I'll send it. Done?", ["Okay.", "I'll send it.", "Done?"]),
        ("Ask Mr. Smith; he knows.", ["Ask Mr. Smith;", "he knows."]),
        ("Use e.g. the 3.5 build!", ["Use e.g. the 3.5 build!"]),
        (
            "I checked the logs yesterday, and I'll send the report by Friday.",
            ["I checked the logs yesterday,", "and I'll send the report by Friday."],
        ),
        ("Ana and Ben will review it.", ["Ana and Ben will review it."]),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


# --- action items --------------------------------------------------------------------------

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


# --- decisions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        (["We decided not to ship the Chinese model."], "not ship the Chinese model"),
        (["We decided to keep the cleaning at seven."], "keep the cleaning at seven"),
        (["We agreed to rotate the certificate yearly."], "rotate the certificate yearly"),
        (["The decision is to move the launch to June."], "move the launch to June"),
        (["Tom: Decision: we ship 2.4 on Monday."], "ship 2.4 on Monday"),
        (["Agreed, let's go with May for the launch."], "go with May for the launch"),
        (["So we'll go ahead with the blue design."], "the blue design"),
        (["Then let's go with the radar sensor, decided."], "go with the radar sensor"),
        (["Arjun: Then we make her an offer.", "Leila: Agreed."], "make her an offer"),
        (
            ["Ruth: Let's agree on one thing: we don't install anything before the survey."],
            "not install anything before the survey",
        ),
    ],
)
def test_decisions(lines: list[str], text: str) -> None:
    assert only(*lines) == DecisionFinding(text)


@pytest.mark.parametrize(
    "lines",
    [
        ["Maybe we should move the launch."],
        ["Should we go with the blue design?", "Ana: Yes, it's nicer."],
        ["Let's not decide that tonight."],
    ],
)
def test_not_decisions(lines: list[str]) -> None:
    assert not [f for f in findings(*lines) if isinstance(f, DecisionFinding)]


# --- open questions ----------------------------------------------------------------------


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


def test_only_english_sentences_are_read() -> None:
    utterance = Utterance("I'll send the slides by Friday.")
    assert analyse([Sentence(utterance.text, utterance, "zh")], PEOPLE) == []


def test_indexes_point_at_the_sentence() -> None:
    sentences = _sentences(["Ana: Good morning. I'll send the slides by Friday."])
    assert [index for index, _ in analyse(sentences, PEOPLE)] == [1]


def test_a_forty_line_meeting_is_analysed_whole() -> None:
    lines = [
        "Ana: I'll send the slides to facilities by Friday.",
        "Ben: I sent the install guide last week.",
        "Priya: Should we ship the model?",
        "Ana: We decided not to ship the model in the first release.",
        "Ben: Can you check the export, Priya?",
        "Priya: Sure, next Monday.",
        "Wei: We could maybe compress it.",
        "Ana: Let's have Ben look into the badge reader within two weeks.",
    ] * 5
    sentences = _sentences(lines)
    # Speed is measured by bench/minutes.py; here: a long meeting gives each item once per line.
    found = analyse(sentences, PEOPLE)
    assert len(found) >= 5 * 4


# --- assignments without a modal, follow-ups, in-meeting talk ------------------------------

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


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        (["Final answer: no overtime this month."], "no overtime this month"),
        (["Well, no. Final call: we skip the trade fair."], "skip the trade fair"),
        (["OK, consensus is to delay the rollout until March."], "delay the rollout until March"),
        (["Alright, we agree to freeze the hiring plan."], "freeze the hiring plan"),
        (["We're sticking with the old supplier for now."], "stick with the old supplier for now"),
        (["On the launch: we go ahead on Monday."], "go ahead on Monday"),
        (["Agreed, the blue logo it is."], "the blue logo"),
        (["Then we archive the old wiki after the move."], "archive the old wiki after the move"),
        (
            [
                "Ana: Are we shipping by sea or by air?",
                "Ben: By air. That's settled.",
            ],
            "ship by air",
        ),
    ],
)
def test_more_decisions(lines: list[str], text: str) -> None:
    assert [f for f in findings(*lines) if isinstance(f, DecisionFinding)] == [
        DecisionFinding(text)
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["Friday it is."],
        ["Then we need to check the budget."],
        ["Then we talked about the budget."],
    ],
)
def test_more_not_decisions(lines: list[str]) -> None:
    assert not [f for f in findings(*lines) if isinstance(f, DecisionFinding)]


def test_no_followed_by_a_sentence_is_split() -> None:
    assert split_sentences("No. We wait.") == ["No.", "We wait."]
    assert split_sentences("Use No. 5 please.") == ["Use No. 5 please."]
