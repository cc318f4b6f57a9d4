"""Grammar-constrained rescoring: the grammar's readings said again, chosen by a scorer.

The scorer here is a fake that scores given sentences (the logic under test is which
sentences are offered and what the scores decide); test_rescoring_model.py uses tiny.en."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from speech.intents.loading import load_grammar
from speech.intents.matcher import Matcher
from speech.intents.rescoring import RescoringSettings, choose, realise, rescore, styled

GRAMMAR = Path(__file__).resolve().parents[3] / "speech" / "intents" / "grammars" / "room_en.yaml"
ROSTER = ["Ana Lima", "Bob Smith", "Tom"]
SETTINGS = RescoringSettings(margin=2.0, floor=0.5)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_grammar(GRAMMAR, "en"), ROSTER)


class FakeScorer:
    """Scores ``favourite`` at ``high``, the free text at 0 and the rest at ``low``;
    records what it was asked to score."""

    def __init__(self, free: str, favourite: str = "", high: float = -1.0, low: float = -20.0):
        self.free, self.favourite, self.high, self.low = free, favourite, high, low
        self.asked: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> list[float]:
        self.asked.append(list(texts))
        return [
            self.high if t == self.favourite else 0.0 if t == self.free else self.low for t in texts
        ]


def test_a_near_miss_is_said_as_the_grammar_says_it(matcher) -> None:
    sentences = [
        realise(p, "en", ROSTER) for p in matcher.parses("All of this room for 15 minutes.")
    ]
    assert "Hold this room for 15 minutes." in sentences
    assert all(s.endswith("15 minutes.") for s in sentences)  # the slot as heard


def test_the_sentence_whisper_prefers_is_taken(matcher) -> None:
    heard = "All of this room for 15 minutes."
    assert matcher.match(heard).intent is None  # the matcher alone rejects it
    scorer = FakeScorer(heard, "Hold this room for 15 minutes.")
    chosen = choose(rescore([heard], matcher, scorer, SETTINGS), SETTINGS, matcher.match(heard))
    assert chosen is not None
    result, text = chosen
    assert (result.intent, result.slots, text) == (
        "book_room",
        {"duration": 15},
        "Hold this room for 15 minutes.",
    )
    assert scorer.asked[0][0] == heard  # the free text is scored in the same call


def test_far_below_the_free_text_nothing_is_chosen(matcher) -> None:
    heard = "All of this room for 15 minutes."
    scorer = FakeScorer(heard, "Hold this room for 15 minutes.", high=-2.5)
    rescoring = rescore([heard], matcher, scorer, SETTINGS)
    assert rescoring.candidates and rescoring.reference == 0.0
    assert choose(rescoring, SETTINGS, matcher.match(heard)) is None


def test_rescoring_can_overrule_an_accepted_near_miss(matcher) -> None:
    heard = "Stop the minutes."
    matched = matcher.match(heard)
    assert matched.intent == "stop_minutes"
    scorer = FakeScorer(heard, "Start the minutes now.", high=0.5)  # better than as heard
    rescoring = rescore([heard], matcher, scorer, SETTINGS)
    chosen = choose(rescoring, SETTINGS, matched)
    assert chosen is not None and chosen[0].intent == "start_minutes"


def test_the_same_intent_keeps_the_matchers_reading(matcher) -> None:
    """A runner-up's sentence may carry other free text: the best text's task is kept."""
    heard = ["Action item for Ana, send the slides.", "Action item for Ana, Cindy slides."]
    matched = matcher.match(heard[0])
    scorer = FakeScorer(heard[0], "Action item for Ana Cindy slides.", high=1.0)
    rescoring = rescore(heard, matcher, scorer, SETTINGS)
    assert max(rescoring.candidates, key=lambda c: c.score).parse.slots["task"] == "Cindy slides"
    assert choose(rescoring, SETTINGS, matched) is None


def test_runners_up_are_read_too_and_duplicates_scored_once(matcher) -> None:
    heard = ["was in recording.", "Was in recording", "Resume recording."]
    scorer = FakeScorer(heard[0], "Resume recording.")
    rescoring = rescore(heard, matcher, scorer, SETTINGS)
    asked = scorer.asked[0]
    assert len(asked) == len(set(asked))
    chosen = choose(rescoring, SETTINGS, matcher.match(heard[0]))
    assert chosen is not None and chosen[0].intent == "on_the_record"


def test_readings_of_one_intent_do_not_crowd_out_the_others(matcher) -> None:
    settings = RescoringSettings(candidates=6, per_intent=2, floor=0.4)
    rescoring = rescore(["needs the microphone."], matcher, FakeScorer(""), settings)
    intents = [c.parse.intent for c in rescoring.candidates]
    assert all(intents.count(i) <= 2 for i in intents)
    assert len(set(intents)) >= 2


def test_readings_below_the_floor_are_not_scored(matcher) -> None:
    heard = "Let us review the quarterly numbers."
    scorer = FakeScorer(heard)
    rescoring = rescore([heard], matcher, scorer, RescoringSettings(floor=0.9))
    assert rescoring.candidates == []
    assert choose(rescoring, SETTINGS, matcher.match(heard)) is None
    assert scorer.asked == []  # nothing to compare: the scorer is not even run


def test_the_wake_phrase_as_heard_is_said_before_each_sentence(matcher) -> None:
    heard = "All of this room for 15 minutes."
    prefix = "Hey Quorum, "
    scorer = FakeScorer(prefix + heard, prefix + "Hold this room for 15 minutes.")
    rescoring = rescore([heard], matcher, scorer, SETTINGS, prefix=prefix)
    assert all(text.startswith(prefix) for text in scorer.asked[0])
    chosen = choose(rescoring, SETTINGS, matcher.match(heard))
    assert chosen is not None
    assert chosen[1] == "Hold this room for 15 minutes."  # without the phrase


def test_a_person_is_said_as_the_rosters_first_name(matcher) -> None:
    (parse, *_) = matcher.parses("Action item for Anna, send the slides by Friday.")
    assert parse.slots["person"] == "Ana Lima"
    assert realise(parse, "en", ROSTER) == "Action item for Ana send the slides by Friday."
    (parse, *_) = matcher.parses("Action item for Ana Lima, send the slides.")
    assert realise(parse, "en", ROSTER) == "Action item for Ana Lima send the slides."


def test_styled_like_whisper() -> None:
    assert styled(["i'm", "here"], "en") == "I'm here."
    assert styled(["打", "开", "灯"], "zh") == "打开灯。"
    assert styled([], "en") == ""
