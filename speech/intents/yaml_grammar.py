"""Our YAML grammar files, read into the grammar IR.

    language: en
    rules:
      please: "[please]"
    slots:
      room_name:
        values:
          - value: living_room
            phrases: ["living room", "lounge"]
          - kitchen                      # a plain string is its own phrase
    intents:
      check_in:
        templates:
          - "we're here"
          - "<please> check (us|me) in"

Built-in slot types need no list: number, duration (minutes), date, time, person (the room
roster given at match time) and text (the rest of the sentence, as heard). Errors name the
file and line.
"""

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from speech.intents.grammar import BUILTIN_SLOT_TYPES, Grammar, GrammarError, SlotValue
from speech.intents.templates import parse_template


def read_yaml(path: Path) -> Any:
    """The YAML document at ``path`` (round-trip types: they keep line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GrammarError(f"{path}: cannot read the grammar: {exc.strerror or exc}") from None
    try:
        return YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise GrammarError(f"{path}: not valid YAML: {exc}") from None


def load_yaml_grammar(path: Path | str) -> Grammar:
    """The grammar in our YAML file ``path``; GrammarError says what is wrong, where."""
    path = Path(path)
    return grammar_from_data(read_yaml(path), path.name)


def grammar_from_data(data: Any, source: str) -> Grammar:
    """A grammar from an already-parsed YAML document (``source`` names it in errors)."""
    if not isinstance(data, dict):
        raise GrammarError(f"{source}: a grammar is a mapping with language, intents, slots")
    unknown = set(data) - {"language", "intents", "slots", "rules"}
    if unknown:
        raise GrammarError(
            f"{_at(source, data, sorted(unknown)[0])}: unknown key {sorted(unknown)[0]!r}"
            " (expected language, intents, slots, rules)"
        )
    language = data.get("language")
    if not isinstance(language, str) or not language.strip():
        raise GrammarError(f"{source}: 'language' is missing (en, zh, ...)")
    grammar = Grammar(language=language.strip())
    slots = _mapping(data, "slots", source, required=False)
    rules = _mapping(data, "rules", source, required=False)
    intents = _mapping(data, "intents", source, required=True)
    for name in slots:
        if name in BUILTIN_SLOT_TYPES:
            raise GrammarError(f"{_at(source, slots, name)}: {name!r} is a built-in slot type")
    slot_names, rule_names = set(slots), set(rules)

    def template(text: Any, where: str, rule: bool = False) -> Any:
        if not isinstance(text, str):
            raise GrammarError(f"{where}: a template is a string, not {text!r}")
        return parse_template(
            text, slot_types=slot_names, rules=rule_names, where=where, allow_empty=rule
        )

    for name, body in rules.items():
        grammar.rules[str(name)] = template(body, f"{_at(source, rules, name)}, rule {name}", True)
    for name, body in slots.items():
        grammar.slots[str(name)] = _slot_values(body, f"{_at(source, slots, name)}, slot {name}")
    for name, body in intents.items():
        where = f"{_at(source, intents, name)}, intent {name}"
        templates = body.get("templates") if isinstance(body, dict) else None
        if not isinstance(templates, list) or not templates:
            raise GrammarError(f"{where}: needs 'templates:', a list of sentences")
        grammar.intents[str(name)] = [
            template(t, f"{_at(source, templates, i)}, intent {name}")
            for i, t in enumerate(templates)
        ]
    return grammar


def _mapping(data: dict[str, Any], key: str, source: str, *, required: bool) -> dict[str, Any]:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or (required and not value):
        raise GrammarError(f"{_at(source, data, key)}: '{key}' must be a non-empty mapping")
    return value


def _slot_values(body: Any, where: str) -> list[SlotValue]:
    values = body.get("values") if isinstance(body, dict) else body
    if not isinstance(values, list) or not values:
        raise GrammarError(f"{where}: needs 'values:', a list of strings or value/phrases")
    out = []
    for i, item in enumerate(values):
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            value, phrases = item, [str(item)]
        elif isinstance(item, dict) and "value" in item:
            value = item["value"]
            raw = item.get("phrases", [str(value)])
            phrases = [raw] if isinstance(raw, str) else raw
        else:
            raise GrammarError(f"{where}, value {i + 1}: expected a string or value/phrases")
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise GrammarError(f"{where}, value {value!r}: phrases must be strings")
        parsed = tuple(parse_template(p, slot_types=(), rules=(), where=where) for p in phrases)
        out.append(SlotValue(value=_plain(value), phrases=parsed))
    return out


def _plain(value: Any) -> Any:
    """ruamel's scalar types as plain str/int/float (for JSON and equality)."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _at(source: str, container: Any, key: Any) -> str:
    """``file:line`` of ``key`` in a ruamel mapping or sequence, when known."""
    try:
        lc: Any = container.lc  # ruamel's line/column record (not in the dict type)
        line = lc.key(key)[0] if isinstance(container, dict) else lc.item(key)[0]
        return f"{source}:{line + 1}"
    except (AttributeError, KeyError, IndexError, TypeError):
        return source
