"""English minutes rules: how text is split into sentences, and which sentences are read.

Apart from the finding tests because it checks the input side (the splitter, the language
filter, sentence indexes, a long meeting) that every kind of finding relies on.
"""

import pytest

from speech.minutes.english import analyse, split_sentences
from speech.minutes.model import Sentence, Utterance
from tests.speech.english_exchanges import PEOPLE, english_sentences


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


def test_no_followed_by_a_sentence_is_split() -> None:
    assert split_sentences("No. We wait.") == ["No.", "We wait."]
    assert split_sentences("Use No. 5 please.") == ["Use No. 5 please."]


def test_only_english_sentences_are_read() -> None:
    utterance = Utterance("I'll send the slides by Friday.")
    assert analyse([Sentence(utterance.text, utterance, "zh")], PEOPLE) == []


def test_indexes_point_at_the_sentence() -> None:
    sentences = english_sentences(["Ana: Good morning. I'll send the slides by Friday."])
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
    sentences = english_sentences(lines)
    # Speed is measured by bench/minutes.py; here: a long meeting gives each item once per line.
    found = analyse(sentences, PEOPLE)
    assert len(found) >= 5 * 4
