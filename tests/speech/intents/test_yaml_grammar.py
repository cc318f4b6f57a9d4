"""Our YAML grammar files: loading, validation errors, format detection."""

from pathlib import Path

import pytest

from speech.intents.grammar import GrammarError, SlotRef
from speech.intents.loading import detect_format, load_grammar
from speech.intents.yaml_grammar import load_yaml_grammar

GRAMMARS = Path(__file__).parents[3] / "speech" / "intents" / "grammars"


def write(tmp_path: Path, text: str, name: str = "g.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_intents_slots_and_rules(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
language: en
rules:
  please: "[please]"
slots:
  room_name:
    values:
      - value: living_room
        phrases: ["living room", "lounge"]
      - kitchen
intents:
  turn_on:
    templates: ["<please> turn on the {room_name} light"]
""",
    )
    grammar = load_grammar(path)
    assert grammar.language == "en"
    assert [v.value for v in grammar.slots["room_name"]] == ["living_room", "kitchen"]
    assert len(grammar.slots["room_name"][0].phrases) == 2
    assert SlotRef("room_name", "room_name") in grammar.intents["turn_on"][0].parts
    assert "please" in grammar.rules


@pytest.mark.parametrize("name", sorted(p.name for p in GRAMMARS.glob("*.yaml")))
def test_shipped_grammars_load(name: str) -> None:
    grammar = load_yaml_grammar(GRAMMARS / name)
    assert grammar.intents and grammar.language in ("en", "zh")


def test_room_grammars_have_many_phrasings() -> None:
    for name, least in (("room_en.yaml", 10), ("room_zh.yaml", 6)):
        grammar = load_yaml_grammar(GRAMMARS / name)
        assert len(grammar.intents) == 12  # the 11 room commands and mute
        assert all(len(t) >= least for t in grammar.intents.values()), name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("intents: {a: {templates: [x]}}", "'language' is missing"),
        ("language: en\n", "'intents' must be a non-empty mapping"),
        ("language: en\nintents:\n  a: {}\n", r"g.yaml:3, intent a: needs 'templates:'"),
        (
            "language: en\nintents:\n  a:\n    templates:\n      - ok\n      - 'bad (x'\n",
            r"g.yaml:6, intent a: template 'bad \(x'",
        ),
        ("language: en\nintents:\n  a:\n    templates: ['{colour}']\n", "unknown slot list"),
        ("language: en\nintents:\n  a:\n    templates: ['<please> x']\n", "unknown rule"),
        ("language: en\nslots:\n  number: [one]\nintents: {a: {templates: [x]}}\n", "built-in"),
        ("language: en\nslots:\n  s: {values: []}\nintents: {a: {templates: [x]}}\n", "values"),
        ("language: en\nintent: {}\n", r"g.yaml:2: unknown key 'intent'"),
        ("language: en\nintents: [\n", "not valid YAML"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(GrammarError, match=message):
        load_grammar(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GrammarError, match="no such grammar"):
        load_grammar(tmp_path / "nope.yaml")


def test_format_detection(tmp_path: Path) -> None:
    rhino = write(tmp_path, "context:\n  expressions: {}\n", "r.yml")
    hassil = write(
        tmp_path,
        "language: en\nintents:\n  HassTurnOn:\n    data:\n      - sentences: [x]\n",
        "h.yaml",
    )
    assert detect_format(rhino) == "rhino"
    assert detect_format(hassil) == "hassil"
    assert detect_format(tmp_path) == "hassil"
    assert detect_format(GRAMMARS / "room_en.yaml") == "quorum"
