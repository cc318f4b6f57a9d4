"""The room grammars against a set of commands and of sentences that are no commands."""

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from speech.intents.matcher import Matcher
from speech.intents.yaml_grammar import load_yaml_grammar

ROOT = Path(__file__).parents[3]


def command_set(language: str) -> dict[str, Any]:
    path = ROOT / "tests" / "data" / "commands" / f"commands_{language}.yaml"
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(("language", "commands"), [("en", 100), ("zh", 50)])
def test_accuracy_and_false_accepts(language: str, commands: int) -> None:
    data = command_set(language)
    assert len(data["commands"]) >= commands and len(data["non_commands"]) >= 40
    grammar = load_yaml_grammar(ROOT / "speech" / "intents" / "grammars" / data["grammar"])
    matcher = Matcher(grammar, data["roster"])
    misses = []
    for case in data["commands"]:
        result = matcher.match(case["text"])
        if (result.intent, result.slots) != (case["intent"], case.get("slots", {})):
            misses.append((case["text"], result.intent, result.slots))
    accepted = [t for t in data["non_commands"] if matcher.match(t).intent is not None]
    accuracy = 1 - len(misses) / len(data["commands"])
    assert accuracy >= 0.976, misses
    assert len(accepted) <= 1, accepted
