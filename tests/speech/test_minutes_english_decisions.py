"""English minutes rules: decisions, and what only sounds like one.

Explicit decisions ("We decided to ...", "Decision: ..."), agreements and settled answers,
against suggestions and plans that are not decided; a subject of its own next to action
items and open questions.
"""

import pytest

from speech.minutes.findings import DecisionFinding
from tests.speech.english_exchanges import findings, only


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
