"""The wake phrase, spotted at the start of what was heard."""

import pytest

from speech.intents.wake import WakePhrases


@pytest.fixture
def wake() -> WakePhrases:
    return WakePhrases.default("en")


@pytest.mark.parametrize(
    ("heard", "rest"),
    [
        ("Hey Quorum, start minutes.", "start minutes"),
        ("Hey, Quorum, start minutes.", "start minutes"),  # Whisper's commas
        ("Okay, Quorum. Release the room.", "Release the room"),
        ("OK Quorum what's next", "what's next"),
        ("So, hey Quorum, we're here.", "we're here"),  # one filler word before it
        ("Hey Korum, release the room", "release the room"),  # a near miss
        ("Hey Quorum.", ""),  # the phrase alone: the command comes next
    ],
)
def test_spotted_at_the_start(wake: WakePhrases, heard: str, rest: str) -> None:
    spotted = wake.spot(heard)
    assert spotted is not None
    assert spotted.rest == rest


@pytest.mark.parametrize(
    "heard",
    [
        "We need a quorum to decide.",  # the word, but not the phrase at the start
        "Hey guys, release the room.",
        "Okay, so the room is booked.",
        "Start minutes.",
        "",
        "The board said hey quorum, and laughed.",  # not at the start
    ],
)
def test_not_spotted(wake: WakePhrases, heard: str) -> None:
    assert wake.spot(heard) is None


def test_chinese_phrase_by_characters() -> None:
    wake = WakePhrases.default("zh")
    spotted = wake.spot("你好，会议室，开始记录。")
    assert spotted is not None and spotted.rest == "开始记录"
    assert wake.spot("我们开会吧") is None


def test_own_phrases_and_bad_ones() -> None:
    wake = WakePhrases(["computer"], "en")
    assert wake.spot("Computer, release the room") is not None
    assert wake.spot("Hey Quorum, release the room") is None
    with pytest.raises(ValueError, match="at least one word"):
        WakePhrases(["hey", "!!"], "en")
    with pytest.raises(ValueError, match="at least one word"):
        WakePhrases([], "en")
