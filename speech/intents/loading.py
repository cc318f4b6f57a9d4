"""Loading a grammar file in whichever format it is written: ours, a Picovoice Rhino context
(a top-level ``context:``) or Home Assistant hassil sentences (``intents: {X: {data:
[{sentences: ...}]}}``, or a folder of them)."""

import importlib
from pathlib import Path
from typing import Any

from speech.intents.grammar import Grammar, GrammarError
from speech.intents.yaml_grammar import grammar_from_data, read_yaml


def detect_format(path: Path, data: Any = None) -> str:
    """ "quorum", "rhino" or "hassil" for the grammar at ``path``."""
    if path.is_dir():
        return "hassil"
    if data is None:
        data = read_yaml(path)
    if isinstance(data, dict) and "context" in data:
        return "rhino"
    intents = data.get("intents") if isinstance(data, dict) else None
    if isinstance(intents, dict) and any(
        isinstance(body, dict) and "data" in body for body in intents.values()
    ):
        return "hassil"
    return "quorum"


def load_grammar(path: Path | str, language: str | None = None) -> Grammar:
    """The grammar at ``path``, whatever its format; GrammarError when it cannot be used.
    ``language`` goes to the Rhino and hassil importers (our YAML names its own)."""
    path = Path(path)
    if not path.exists():
        raise GrammarError(f"{path}: no such grammar file or folder")
    data = None if path.is_dir() else read_yaml(path)
    kind = detect_format(path, data)
    if kind == "quorum":
        return grammar_from_data(data, path.name)
    module_name, function = {
        "rhino": ("speech.intents.rhino", "load_rhino"),
        "hassil": ("speech.intents.hassil", "load_hassil"),
    }[kind]
    try:
        loader = getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError):
        raise GrammarError(
            f"{path}: looks like a {kind} grammar, but {module_name}.{function} is not available"
        ) from None
    grammar = loader(path) if language is None else loader(path, language)
    if not isinstance(grammar, Grammar):
        raise GrammarError(f"{path}: the {kind} importer returned no grammar")
    return grammar
