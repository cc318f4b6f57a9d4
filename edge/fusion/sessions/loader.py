"""Reading session files: strict YAML with errors that name the file, the line and the field.

Shipped sessions live in ``edge/fusion/sessions/library/``; :func:`load_session` takes a path or
such a name. Loading also builds the ground truth (:mod:`.truth`), so a file that loads is a
session that can be played.
"""

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from contract.config_loader import ConfigProblem
from contract.yaml_locations import closest, dotted, line_of, plain
from edge.fusion.sessions import schema
from edge.fusion.sessions.truth import Truth, TruthError, build_truth

LIBRARY = "edge.fusion.sessions.library"

# Allowed values per field name, for "did you mean ...?" on a misspelt value.
_CHOICES: dict[str, tuple[str, ...]] = {
    "activity": schema.ACTIVITIES,
    "sensors": schema.SENSORS,
    "sensor": schema.DESK_SENSORS,
    "door": ("open", "close"),
    "kind": ("meeting_room", "desk_area"),
}


@dataclass(frozen=True)
class LoadedSession:
    session: schema.Session
    source: str
    truth: Truth

    @property
    def name(self) -> str:
        return self.session.name


class SessionError(Exception):
    """A session file that cannot be used; ``problems`` read FILE:LINE: path: message."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def shipped_sessions() -> list[str]:
    """The names of the shipped sessions, sorted."""
    entries = resources.files(LIBRARY).iterdir()
    return sorted(e.name.removesuffix(".yaml") for e in entries if e.name.endswith(".yaml"))


def load_library() -> list[LoadedSession]:
    return [load_session(name) for name in shipped_sessions()]


def load_session(reference: str) -> LoadedSession:
    """A session from a file path, or by the name of a shipped one."""
    path = Path(reference)
    if path.is_file():
        return parse_session(path.read_text(encoding="utf-8"), str(path))
    name = reference.removesuffix(".yaml").replace("-", "_")
    shipped = resources.files(LIBRARY).joinpath(f"{name}.yaml")
    if shipped.is_file():
        source = f"edge/fusion/sessions/library/{name}.yaml"
        return parse_session(shipped.read_text(encoding="utf-8"), source)
    names = shipped_sessions()
    message = f"no such session file, and no shipped session of that name ({', '.join(names)})"
    raise SessionError([ConfigProblem(reference, None, "", message, closest(name, names))])


def parse_session(text: str, source: str) -> LoadedSession:
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = ConfigProblem(source, line, "", f"YAML syntax error: {exc.problem or exc}")
        raise SessionError([problem]) from None
    if not isinstance(document, CommentedMap):
        message = "a session is a YAML mapping (name, duration, room, timeline, ...)"
        raise SessionError([ConfigProblem(source, 1, "", message)])
    try:
        session = schema.Session.model_validate(plain(document))
    except ValidationError as exc:
        raise SessionError(_problems(source, document, exc.errors())) from None
    try:
        truth = build_truth(session)
    except TruthError as exc:
        problem = ConfigProblem(source, line_of(document, exc.loc), dotted(exc.loc), str(exc))
        raise SessionError([problem]) from None
    return LoadedSession(session, source, truth)


def _problems(source: str, document: CommentedMap, errors: list[Any]) -> list[ConfigProblem]:
    found: dict[tuple[int | None, str], ConfigProblem] = {}
    for err in errors:
        # pydantic names union members ("int", "literal['all']", "function-before[...]"): drop them.
        loc = tuple(p for p in err["loc"] if isinstance(p, int) or _is_key(p))
        path = dotted(loc)
        message, suggestion = str(err["msg"]).removeprefix("Value error, "), None
        if err["type"] == "extra_forbidden":
            message = "unknown field"
            suggestion = closest(str(loc[-1]), _fields_at(loc))
        elif err["type"] == "missing":
            message = "required field is missing"
        elif isinstance(err.get("input"), str):
            field = next((p for p in reversed(loc) if isinstance(p, str)), "")
            choices = ("open", "closed") if loc[:2] == ("room", "door") else _CHOICES.get(field)
            if choices:
                suggestion = closest(err["input"], choices)
                message = f"{err['input']!r} is not one of: {', '.join(choices)}"
        key = (line_of(document, loc), path)
        # A value that fits no member of a union errs once per member: report it once.
        found.setdefault(key, ConfigProblem(source, key[0], path, message, suggestion))
    return list(found.values())


def _is_key(part: object) -> bool:
    text = str(part)
    return not any(c in text for c in "[]-'") and text not in ("int", "str", "float", "dict")


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    names = [p for p in loc[:-1] if isinstance(p, str)]
    model: type[schema._Strict] = schema.Session
    if names[-1:] == ["room"]:
        model = schema.RoomSpec
    elif names[-1:] == ["timeline"]:
        model = schema.Step
    elif names[-1:] == ["bookings"]:
        model = schema.Booking
    elif names[-1:] == ["desks"]:
        model = schema.DeskSpec
    return list(model.model_fields)
