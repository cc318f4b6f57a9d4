"""Importing Home Assistant hassil templates (speech.intents.hassil) into the grammar IR."""

from pathlib import Path

import pytest

from speech.intents.grammar import (
    Alternative,
    GrammarError,
    Optional,
    RuleRef,
    Sequence,
    SlotRef,
    SlotValue,
    Word,
)
from speech.intents.hassil import TEXT_SLOT_TYPE, load_hassil, parse_hassil_template

EXAMPLES = Path(__file__).resolve().parents[3] / "speech/intents/examples/hassil_lights"

INTENTS = """\
language: en
intents:
  HassTurnOn:
    data:
      - sentences:
          - "turn on [the] {area} (light|lights|lamp)"
          - "<turn_on> {name}"
        slots: {domain: light}
      - sentences:
          - "set {area} to {brightness:level}"
"""
COMMON = """\
lists:
  area:
    values: ["kitchen", {in: "living room", out: "living_room"}]
  brightness:
    range: {from: 0, to: 100}
  name:
    wildcard: true
expansion_rules:
  turn_on: "(turn|switch) on"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_imports_into_the_expected_grammar(tmp_path: Path) -> None:
    grammar = load_hassil(write(tmp_path, "lights.yaml", INTENTS + COMMON))

    assert grammar.language == "en"
    assert grammar.intents == {
        "HassTurnOn": [
            Sequence(
                (
                    Word("turn"),
                    Word("on"),
                    Optional(Word("the")),
                    SlotRef("area", "area"),
                    Alternative((Word("light"), Word("lights"), Word("lamp"))),
                )
            ),
            Sequence((RuleRef("turn_on"), SlotRef(TEXT_SLOT_TYPE, "name"))),
            Sequence(
                (Word("set"), SlotRef("area", "area"), Word("to"), SlotRef("number", "level"))
            ),
        ]
    }
    # Expansion rules are kept as rules (the compiler expands them).
    assert grammar.rules == {
        "turn_on": Sequence((Alternative((Word("turn"), Word("switch"))), Word("on")))
    }
    assert grammar.slots == {
        "area": [
            SlotValue("kitchen", (Sequence((Word("kitchen"),)),)),
            SlotValue("living_room", (Sequence((Word("living"), Word("room"))),)),
        ]
    }
    # Fixed slots of a data block apply to each of its templates, by index.
    assert grammar.fixed_slots == {
        ("HassTurnOn", 0): {"domain": "light"},
        ("HassTurnOn", 1): {"domain": "light"},
    }


def test_a_folder_merges_intents_lists_and_rules_across_files() -> None:
    grammar = load_hassil(EXAMPLES)

    assert set(grammar.intents) == {"HassTurnOn", "HassLightSet"}
    assert set(grammar.rules) == {"turn_on"}
    assert [v.value for v in grammar.slots["area"]] == ["kitchen", "living_room"]
    living_room = grammar.slots["area"][1].phrases[0]
    assert living_room == Sequence((Alternative((Word("living"), Word("family"))), Word("room")))
    (light_set,) = grammar.intents["HassLightSet"]
    assert SlotRef("number", "brightness") in light_set.parts
    assert grammar.fixed_slots == {
        ("HassTurnOn", 0): {"domain": "light"},
        ("HassTurnOn", 1): {"domain": "light"},
    }


def test_the_same_intent_in_two_files_keeps_both_sets_of_templates(tmp_path: Path) -> None:
    write(tmp_path, "_common.yaml", COMMON)
    write(tmp_path, "a.yaml", INTENTS)
    write(tmp_path, "b.yaml", INTENTS.replace("turn on [the]", "switch on [the]"))

    grammar = load_hassil(tmp_path, language="en")

    assert len(grammar.intents["HassTurnOn"]) == 6
    assert grammar.fixed_slots[("HassTurnOn", 3)] == {"domain": "light"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("light[s]", (Alternative((Word("lights"), Word("light"))),)),
        ("(lamp|light)s", (Alternative((Word("lamps"), Word("lights"))),)),
        ("[the ]{area}", (Optional(Word("the")), SlotRef("area", "area"))),
        ("(a|)", (Optional(Word("a")),)),
        ("[a|b]", (Optional(Alternative((Word("a"), Word("b")))),)),
        ("on|off", (Alternative((Word("on"), Word("off"))),)),
        (
            "(red;blue)",
            (
                Alternative(
                    (Sequence((Word("red"), Word("blue"))), Sequence((Word("blue"), Word("red"))))
                ),
            ),
        ),
        ("What's the time?", (Word("what's"), Word("the"), Word("time"))),
        ("打开{area}的灯", (Word("打开"), SlotRef("area", "area"), Word("的灯"))),
    ],
)
def test_template_syntax(template: str, expected: tuple[object, ...]) -> None:
    assert parse_hassil_template(template) == Sequence(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("turn on (the {area}", "missing ')'"),
        ("turn on [the) {area}", "unexpected ')'"),
        ("turn on the] {area}", "unexpected ']'"),
        ("turn on {area", "unbalanced '{'"),
        ("turn on () {area}", "empty ()"),
        ("turn on {room}", "unknown list {room}"),
        ("<turn_off> {area}", "unknown expansion rule <turn_off>"),
    ],
)
def test_bad_templates_name_the_file_and_the_template(
    tmp_path: Path, template: str, problem: str
) -> None:
    path = write(tmp_path, "lights.yaml", INTENTS.replace("<turn_on> {name}", template) + COMMON)

    with pytest.raises(GrammarError) as error:
        load_hassil(path)

    message = str(error.value)
    assert problem in message
    assert str(path) in message and repr(template) in message


def test_a_list_defined_differently_in_two_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "_common.yaml", COMMON)
    write(tmp_path, "lights.yaml", INTENTS + 'lists:\n  area:\n    values: ["hall"]\n')

    with pytest.raises(GrammarError, match=r"list 'area'.*defined differently"):
        load_hassil(tmp_path)


def test_a_list_without_values_range_or_wildcard_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "lights.yaml", INTENTS + COMMON.replace("wildcard: true", "x: 1"))

    with pytest.raises(GrammarError, match=r"list 'name'.*needs values:, range: or wildcard"):
        load_hassil(path)


def test_rules_that_refer_to_themselves_are_refused(tmp_path: Path) -> None:
    looped = COMMON.replace('"(turn|switch) on"', '"turn on [<turn_on>]"')

    with pytest.raises(GrammarError, match="turn_on -> turn_on"):
        load_hassil(write(tmp_path, "lights.yaml", INTENTS + looped))


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GrammarError, match=r"no \*\.yaml files"):
        load_hassil(tmp_path)


def test_an_imported_grammar_matches_with_its_fixed_slots() -> None:
    from speech.intents.matcher import Matcher

    matcher = Matcher(load_hassil(EXAMPLES))
    result = matcher.match("turn on the living room lights")
    assert result.intent == "HassTurnOn"
    # The template naming the area wins over the free-text {name} one; the data block's
    # fixed slot (domain: light) comes with it.
    assert result.slots == {"domain": "light", "area": "living_room"}
