"""Importing Picovoice Rhino contexts (speech.intents.rhino) into the grammar IR."""

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
from speech.intents.rhino import load_rhino, parse_rhino_expression

EXAMPLE = Path(__file__).resolve().parents[3] / "speech/intents/examples/rhino_smart_lighting.yml"

CONTEXT = """\
context:
  expressions:
    changeColor:
      - "[turn, make] (all) (the) $location:location (lights) $color:color"
      - "@politePrefix $color:color"
  slots:
    color: [blue, green, "light blue"]
    location: [kitchen, "living room"]
  macros:
    politePrefix: ["please", "could you"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "context.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_context_imports_into_the_expected_grammar(tmp_path: Path) -> None:
    grammar = load_rhino(write(tmp_path, CONTEXT))

    assert grammar.language == "en"
    assert grammar.intents == {
        "changeColor": [
            Sequence(
                (
                    Alternative((Word("turn"), Word("make"))),
                    Optional(Word("all")),
                    Optional(Word("the")),
                    SlotRef("location", "location"),
                    Optional(Word("lights")),
                    SlotRef("color", "color"),
                )
            ),
            Sequence((RuleRef("politePrefix"), SlotRef("color", "color"))),
        ]
    }
    # Macros are kept as rules (the compiler expands them): a choice of their phrases.
    assert grammar.rules == {
        "politePrefix": Sequence(
            (Alternative((Word("please"), Sequence((Word("could"), Word("you"))))),)
        )
    }
    assert grammar.slots["color"] == [
        SlotValue("blue", (Sequence((Word("blue"),)),)),
        SlotValue("green", (Sequence((Word("green"),)),)),
        SlotValue("light blue", (Sequence((Word("light"), Word("blue"))),)),
    ]
    assert [v.value for v in grammar.slots["location"]] == ["kitchen", "living room"]


def test_the_shipped_example_loads_with_numbers_for_percent() -> None:
    grammar = load_rhino(EXAMPLE, language="en")

    assert set(grammar.intents) == {"changeColor", "changeBrightness"}
    (brightness,) = grammar.intents["changeBrightness"]
    assert SlotRef("number", "level") in brightness.parts
    assert brightness.parts[0] == Optional(RuleRef("politePrefix"))


def test_optional_choices_and_integer_builtins() -> None:
    assert parse_rhino_expression("(a, b c) $pv.TwoDigitInteger:n $pv.SingleDigitInteger:m") == (
        Sequence(
            (
                Optional(Alternative((Word("a"), Sequence((Word("b"), Word("c")))))),
                SlotRef("number", "n"),
                SlotRef("number", "m"),
            )
        )
    )


def test_a_context_nested_under_other_keys_is_found(tmp_path: Path) -> None:
    nested = "rhino:\n  version: 2\n" + "".join(f"  {line}\n" for line in CONTEXT.splitlines())
    grammar = load_rhino(write(tmp_path, nested), language="de")

    assert grammar.language == "de"
    assert len(grammar.intents["changeColor"]) == 2


@pytest.mark.parametrize(
    "builtin", ["pv.Alphabetic", "pv.SingleDigitOrdinal", "pv.TwoDigitOrdinal"]
)
def test_unsupported_builtins_name_the_type_the_expression_and_the_file(
    tmp_path: Path, builtin: str
) -> None:
    path = write(tmp_path, CONTEXT.replace('$color:color"\n', f'${builtin}:letter"\n', 1))

    with pytest.raises(GrammarError) as error:
        load_rhino(path)

    message = str(error.value)
    assert f"built-in slot type {builtin} is not supported: list its values under slots:" in message
    assert str(path) in message
    assert "changeColor" in message and f"${builtin}:letter" in message


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("[turn, make (the) $color:color", "missing ']'"),
        ("turn (on] $color:color", "closed by ']'"),
        ("turn on) $color:color", "unexpected ')'"),
        ("[] $color:color", "empty choice"),
        ("@rude $color:color", "unknown macro @rude"),
        ("paint it $paint:color", "unknown slot type $paint"),
    ],
)
def test_bad_expressions_name_the_file_and_the_expression(
    tmp_path: Path, expression: str, problem: str
) -> None:
    path = write(tmp_path, CONTEXT.replace("@politePrefix $color:color", expression))

    with pytest.raises(GrammarError) as error:
        load_rhino(path)

    message = str(error.value)
    assert problem in message
    assert str(path) in message and repr(expression) in message


def test_a_file_without_a_context_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GrammarError, match="no Rhino context"):
        load_rhino(write(tmp_path, "something: else\n"))


def test_macros_that_refer_to_themselves_are_refused(tmp_path: Path) -> None:
    looped = CONTEXT.replace('["please", "could you"]', '["please @politePrefix"]')

    with pytest.raises(GrammarError, match="politePrefix -> politePrefix"):
        load_rhino(write(tmp_path, looped))
