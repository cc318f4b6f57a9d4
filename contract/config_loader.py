"""Load terminal configuration files and report every problem with file and line.

Errors read ``FILE:LINE: field.path: message (did you mean X?)`` so that
editors and CI annotate the right line. YAML is read with ruamel.yaml because
it keeps the line of every key and list item.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from contract.terminal_config import (
    VALID_PIN_NAMES,
    SensorKind,
    TerminalConfig,
    _LocatedError,
    timezone_names,
)
from contract.yaml_locations import Loc, closest, dotted, line_of, plain


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    line: int | None
    path: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        path = f" {self.path}:" if self.path else ""
        return f"{where}:{path} {self.message}{hint}"


class ConfigError(Exception):
    """One or more problems in a configuration file."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_terminal_config(path: str | Path) -> TerminalConfig:
    """Read and validate one file; raise :class:`ConfigError` listing every problem."""
    config, problems = _load(Path(path))
    if problems or config is None:
        raise ConfigError(problems)
    return config


def validate_files(paths: Iterable[str | Path]) -> tuple[list[TerminalConfig], list[ConfigProblem]]:
    """Validate many files, including ids that must be unique across all of them."""
    configs: list[tuple[Path, TerminalConfig, CommentedMap]] = []
    problems: list[ConfigProblem] = []
    for path in paths:
        config, found, document = _load_document(Path(path))
        problems.extend(found)
        if config is not None and document is not None:
            configs.append((Path(path), config, document))
    problems.extend(_cross_file_problems(configs))
    return [c for _, c, _ in configs], problems


def parse_terminal_config(text: str, name: str) -> TerminalConfig:
    """Validate a configuration given as text (a pushed one); ``name`` stands for the file in
    problems. Raise :class:`ConfigError` listing every problem."""
    config, problems, _ = _parse_document(text, name)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def _load(path: Path) -> tuple[TerminalConfig | None, list[ConfigProblem]]:
    config, problems, _ = _load_document(path)
    return config, problems


def _load_document(
    path: Path,
) -> tuple[TerminalConfig | None, list[ConfigProblem], CommentedMap | None]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [ConfigProblem(name, None, "", "file not found")], None
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ConfigProblem(name, None, "", f"cannot read file: {exc}")], None
    return _parse_document(text, name)


def _parse_document(
    text: str, name: str
) -> tuple[TerminalConfig | None, list[ConfigProblem], CommentedMap | None]:
    yaml = YAML(typ="rt")
    try:
        document = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return (
            None,
            [ConfigProblem(name, line, "", f"YAML syntax error: {exc.problem or exc}")],
            None,
        )
    if not isinstance(document, CommentedMap):
        problem = ConfigProblem(name, 1, "", "the file must be a YAML mapping of sections")
        return None, [problem], None
    try:
        return TerminalConfig.model_validate(plain(document)), [], document
    except ValidationError as exc:
        return None, [_problem(name, document, err) for err in exc.errors()], document


def _problem(file: str, document: CommentedMap, err: Any) -> ConfigProblem:
    loc: Loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
    message = err["msg"].removeprefix("Value error, ")
    suggestion: str | None = None
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, _LocatedError):
        loc, message = original.loc, original.message
        if original.given is not None:
            suggestion = closest(original.given, original.suggestions)
    elif err["type"] == "extra_forbidden":
        message = "unknown field"
        suggestion = closest(str(loc[-1]), _field_names(TerminalConfig, loc[:-1]))
    elif err["type"] == "missing":
        message = "required field is missing"
    else:
        suggestion = _suggest_value(loc, err.get("input"))
    return ConfigProblem(file, line_of(document, loc), dotted(loc), message, suggestion)


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the branch name of a union ("str", "function-after[...]") to loc.
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def _suggest_value(loc: Loc, given: Any) -> str | None:
    if not isinstance(given, str | int) or isinstance(given, bool):
        return None
    field = loc[-1] if loc else None
    text = str(given)
    if field == "kind" and loc[0] == "sensors":
        return closest(text, [k.value for k in SensorKind])
    if field == "pin":
        return closest(text.upper(), VALID_PIN_NAMES)
    if field == "timezone":
        return closest(text, timezone_names())
    return None


def _field_names(model: type[BaseModel], loc: Loc) -> list[str]:
    """Field names allowed at ``loc`` inside ``model`` (walking lists and nested models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return []
        current = _model_in(fields[part].annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _cross_file_problems(
    configs: list[tuple[Path, TerminalConfig, CommentedMap]],
) -> list[ConfigProblem]:
    """Terminal, room and desk ids must be unique across all files."""
    problems: list[ConfigProblem] = []
    owners: dict[tuple[str, str], Path] = {}
    for path, config, document in configs:
        keys: list[tuple[Loc, str]] = [
            (("terminal", "id"), config.terminal.id),
            (("room", "id"), config.room.id),
        ]
        keys += [(("desks", i, "id"), d.id) for i, d in enumerate(config.desks)]
        for loc, value in keys:
            kind = "desks.id" if loc[0] == "desks" else dotted(loc)
            first = owners.setdefault((kind, value), path)
            if first != path:
                problems.append(
                    ConfigProblem(
                        str(path),
                        line_of(document, loc),
                        dotted(loc),
                        f"{value!r} is already used in {first}",
                    )
                )
    return problems
