"""Our template syntax compiled to the grammar IR."""

import re

import pytest

from speech.intents.grammar import (
    Alternative,
    GrammarError,
    Optional,
    RuleRef,
    Sequence,
    SlotRef,
    Word,
)
from speech.intents.templates import parse_template


def words(*texts: str) -> Sequence:
    return Sequence(tuple(Word(t) for t in texts))


def test_words_are_lower_cased_and_punctuation_dropped() -> None:
    assert parse_template("What's next, here?") == words("what's", "next", "here")


def test_alternatives_optionals_slots_and_rules() -> None:
    template = parse_template("<please> (turn|switch) on [the] {room:room_name} {duration}")
    assert template.parts == (
        RuleRef("please"),
        Alternative((words("turn"), words("switch"))),
        Word("on"),
        Optional(words("the")),
        SlotRef("room", "room_name"),
        SlotRef("duration", "duration"),
    )


def test_alternatives_inside_optional_and_at_top_level() -> None:
    assert parse_template("[this|the] room").parts[0] == Optional(
        Alternative((words("this"), words("the")))
    )
    assert parse_template("stop | end").parts == (Alternative((words("stop"), words("end"))),)


def test_chinese_is_split_into_characters_and_folded_to_simplified() -> None:
    template = parse_template("打開{room}的燈")
    assert template.parts == (
        Word("打"),
        Word("开"),
        SlotRef("room", "room"),
        Word("的"),
        Word("灯"),
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("extend (the meeting by {duration}", "never closed"),
        ("extend [the meeting by", "never closed"),
        ("extend the meeting]", "unexpected ']'"),
        ("extend the meeting)", "unexpected ')'"),
        ("book {duration", "never closed"),
        ("book {}", "bad slot reference"),
        ("[ ]", "no words"),
    ],
)
def test_syntax_errors_name_the_template(template: str, message: str) -> None:
    with pytest.raises(GrammarError, match=re.escape(message)) as error:
        parse_template(template, where="room.yaml:3")
    assert template in str(error.value) and "room.yaml:3" in str(error.value)


def test_unknown_slot_list_and_rule() -> None:
    with pytest.raises(GrammarError, match=r"unknown slot list \{colour\}"):
        parse_template("turn {colour}", slot_types={"room"}, rules=set())
    with pytest.raises(GrammarError, match="unknown rule <please>"):
        parse_template("<please> stop", slot_types=set(), rules={"polite"})
    # Built-in slot types need no list.
    parse_template("extend by {duration} for {person} {text:task}", slot_types=set(), rules=set())
