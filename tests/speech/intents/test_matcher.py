"""Matching sentences against the room and home-lighting grammars."""

from pathlib import Path
from typing import Any

import pytest

from speech.intents.grammar import Grammar, GrammarError
from speech.intents.matcher import Matcher
from speech.intents.numbers import duration_en, duration_zh, number_en, number_zh
from speech.intents.templates import parse_template
from speech.intents.yaml_grammar import load_yaml_grammar

GRAMMARS = Path(__file__).parents[3] / "speech" / "intents" / "grammars"
ROSTER_EN = ["Ana Lima", "Bob Smith", "Chen Wei"]


@pytest.fixture(scope="module")
def room_en() -> Matcher:
    return Matcher(load_yaml_grammar(GRAMMARS / "room_en.yaml"), ROSTER_EN)


@pytest.fixture(scope="module")
def room_zh() -> Matcher:
    return Matcher(load_yaml_grammar(GRAMMARS / "room_zh.yaml"), ["安娜", "王伟"])


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("We're here.", "check_in", {}),
        ("Extend the meeting by fifteen minutes.", "extend_meeting", {"duration": 15}),
        ("Release the room.", "release_room", {}),
        ("Book this room for thirty minutes.", "book_room", {"duration": 30}),
        ("Start minutes.", "start_minutes", {}),
        ("Stop minutes.", "stop_minutes", {}),
        ("Off the record.", "off_the_record", {}),
        ("Back on the record.", "on_the_record", {}),
        ("That's a decision.", "mark_decision", {}),
        ("What's next in this room?", "whats_next", {}),
    ],
)
def test_exact_english(room_en: Matcher, text: str, intent: str, slots: dict[str, Any]) -> None:
    result = room_en.match(text)
    assert (result.intent, result.slots, result.confidence) == (intent, slots, 1.0)
    assert result.text == text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("extend the meeting by fifteen minute", "extend_meeting"),
        ("stat minutes", "start_minutes"),
        ("realise the room", "release_room"),
        ("release the rum", "release_room"),
        ("um start the minutes please", "start_minutes"),
    ],
)
def test_recognition_errors_are_tolerated(room_en: Matcher, text: str, intent: str) -> None:
    result = room_en.match(text)
    assert result.intent == intent
    assert 0.75 <= result.confidence < 1.0 or text.startswith("extend")


@pytest.mark.parametrize(
    "text",
    ["the weather is nice today", "let's review the budget numbers", "stop it", "", "?!"],
)
def test_out_of_grammar_english_is_rejected(room_en: Matcher, text: str) -> None:
    result = room_en.match(text)
    assert (result.intent, result.slots) == (None, {})
    assert 0.0 <= result.confidence < 0.75


@pytest.mark.parametrize("text", ["今天天气不错", "我们讨论一下预算"])
def test_out_of_grammar_chinese_is_rejected(room_zh: Matcher, text: str) -> None:
    assert room_zh.match(text).intent is None


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("我们到了", "check_in", {}),
        ("会议延长十五分钟", "extend_meeting", {"duration": 15}),
        ("预订这个会议室三十分钟", "book_room", {"duration": 30}),
        ("延长半小时", "extend_meeting", {"duration": 30}),
        ("延长一个半小时", "extend_meeting", {"duration": 90}),
        ("不要记录", "off_the_record", {}),
        ("暂停记录", "off_the_record", {}),
        (
            "给安娜加一个待办：周五前发幻灯片",
            "add_action_item",
            {"person": "安娜", "task": "周五前发幻灯片"},
        ),
        ("这个会议室接下来有什么安排", "whats_next", {}),
    ],
)
def test_chinese(room_zh: Matcher, text: str, intent: str, slots: dict[str, Any]) -> None:
    result = room_zh.match(text)
    assert (result.intent, result.slots) == (intent, slots)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("extend the meeting by 15 minutes", 15),
        ("extend the meeting by half an hour", 30),
        ("extend the meeting by an hour and a half", 90),
        ("extend the meeting by one and a half hours", 90),
        ("extend the meeting by 1 hour and 15 minutes", 75),
        ("extend the meeting by twenty five minutes", 25),
        ("give us fifteen more minutes", 15),
    ],
)
def test_english_durations(room_en: Matcher, text: str, minutes: int) -> None:
    assert room_en.match(text).slots == {"duration": minutes}


def test_number_and_duration_readers() -> None:
    assert number_en(["a", "hundred", "and", "twenty"]) == (120, 0.0)
    assert number_en(["42"]) == (42, 0.0)
    assert number_en(["budget"]) is None
    assert duration_en(["fiften", "minuts"]) is not None
    assert duration_en(["thirty"]) is None  # a duration needs its unit
    assert number_zh(list("一百二十")) == (120, 0.0)
    assert number_zh(list("二十五")) == (25, 0.0)
    for text, minutes in [("十五分钟", 15), ("半小时", 30), ("一个半小时", 90), ("两个小时", 120),
                          ("一刻钟", 15), ("一小时十五分钟", 75), ("15分钟", 15)]:  # fmt: skip
        assert duration_zh(list(text)) == (minutes, 0.0), text


def test_person_from_roster(room_en: Matcher) -> None:
    result = room_en.match("Action item for Ana: send the slides by Friday")
    assert result.intent == "add_action_item"
    assert result.slots == {"person": "Ana Lima", "task": "send the slides by Friday"}
    assert room_en.match("action item for chen wei update the budget").slots["person"] == "Chen Wei"
    assert room_en.match("action item for Anna: call the client").slots["person"] == "Ana Lima"
    # Nobody of that name in the room: a roster makes the slot strict.
    assert room_en.match("action item for Zebedee: call the client").intent is None


def test_person_without_roster_takes_a_name_as_heard() -> None:
    matcher = Matcher(load_yaml_grammar(GRAMMARS / "room_en.yaml"))
    result = matcher.match("action item for Ana: send the slides")
    assert result.slots == {"person": "Ana", "task": "send the slides"}
    # Without a roster only a word written as a name is a person: "review" is not.
    assert matcher.match("let's review the budget numbers let's review them").intent is None


@pytest.mark.parametrize(
    ("name", "text", "intent", "room"),
    [
        ("home_lights_en.yaml", "turn on the living room lamp", "turn_on", "living_room"),
        ("home_lights_en.yaml", "Turn on the living room light.", "turn_on", "living_room"),
        ("home_lights_en.yaml", "switch the kitchen lights off", "turn_off", "kitchen"),
        ("home_lights_en.yaml", "turn off the light in the bed room", "turn_off", "bedroom"),
        ("home_lights_zh.yaml", "打开客厅的灯", "turn_on", "living_room"),
        ("home_lights_zh.yaml", "打開客廳的燈", "turn_on", "living_room"),
        ("home_lights_zh.yaml", "把卧室的灯关了", "turn_off", "bedroom"),
    ],
)
def test_home_lights(name: str, text: str, intent: str, room: str) -> None:
    result = Matcher(load_yaml_grammar(GRAMMARS / name)).match(text)
    assert (result.intent, result.slots) == (intent, {"room_name": room})


def grammar(language: str, **intents: list[str]) -> Grammar:
    return Grammar(
        language,
        intents={name: [parse_template(t) for t in ts] for name, ts in intents.items()},
    )


def test_ambiguous_intents_are_rejected() -> None:
    matcher = Matcher(grammar("en", a=["switch it on"], b=["switch it on"]))
    assert matcher.match("switch it on").intent is None


def test_threshold_is_configurable() -> None:
    g = grammar("en", start=["start the minutes now"])
    assert Matcher(g).match("start the minutes").intent == "start"
    assert Matcher(g, threshold=0.99).match("start the minutes").intent is None


def test_combinatorial_templates_are_refused() -> None:
    big = " ".join("(a|b|c|d|e|f)" for _ in range(8))
    with pytest.raises(GrammarError, match="different sentences"):
        Matcher(grammar("en", x=[big]))


def test_dates_and_numbers_in_custom_grammars() -> None:
    g = grammar("en", remind=["remind me {date}"], count=["set volume to {number}"])
    assert Matcher(g).match("remind me tomorrow").intent == "remind"
    assert Matcher(g).match("set volume to twenty five").slots == {"number": 25}


def test_a_command_the_recognizer_wrote_twice_counts_once() -> None:
    matcher = Matcher(load_yaml_grammar(GRAMMARS / "room_en.yaml"))
    result = matcher.match("we're here. we're here.")
    assert (result.intent, result.confidence) == ("check_in", 1.0)
    assert matcher.match(
        "extend the meeting by fifteen minutes extend the meeting by fifteen minutes"
    ).slots == {"duration": 15}


def test_a_loop_cut_anywhere_counts_once() -> None:
    matcher = Matcher(load_yaml_grammar(GRAMMARS / "room_en.yaml"))
    assert matcher.match("We are here. We are").intent == "check_in"
    assert matcher.match("check me in check me in check").intent == "check_in"
    looped = matcher.match("Extend the meeting by an hour. Extend the meeting")
    assert (looped.intent, looped.slots) == ("extend_meeting", {"duration": 60})
    # One word again at the end is no loop: the sentence is read as it is.
    assert once_norms("release the room release") == ["release", "the", "room", "release"]


def once_norms(text: str) -> list[str]:
    from speech.intents.matcher import once
    from speech.intents.tokens import tokenize

    return [t.norm for t in once(tokenize(text))]
