"""A plan change: the small declarative document a what-if run applies to the rooms.

``{"changes": [{"split": "hq-f2-boardroom", "into": [{"id": "hq-f2-board-a", "capacity": 6},
{"id": "hq-f2-board-b", "capacity": 6}]}, {"remove_desks": {"floor": "hq-f3"}}]}``

This module checks the document's shape (one kind per change, ids, capacities, no stray
keys) and says exactly what is wrong and where (``changes[0].into[1].capacity: ...``);
whether the ids name real rooms and floors is checked when the plan is applied
(hub/sandbox/layout.py). Every problem is reported, not only the first. Kinds: docs/sandbox.md.
"""

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from contract.ids import ID_PATTERN

MAX_CAPACITY = 10_000
MAX_CHANGES = 200
EXAMPLE = '{"changes": [{"remove_room": "hq-f1-aurora"}]}'

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Capacity = Annotated[int, Field(strict=True, ge=1, le=MAX_CAPACITY)]


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Part(_Change):
    id: Id
    capacity: Capacity


class Split(_Change):
    """Replace a room by two or more rooms on the same floor."""

    split: Id
    into: Annotated[list[Part], Field(min_length=2, max_length=50)]


class RemoveRoom(_Change):
    remove_room: Id


class NewRoom(_Change):
    id: Id
    floor: Id
    capacity: Capacity


class AddRoom(_Change):
    add_room: NewRoom


class CapacityChange(_Change):
    room: Id
    capacity: Capacity


class SetCapacity(_Change):
    set_capacity: CapacityChange


class DeskSelection(_Change):
    """Exactly one of: every desk of a floor, of a desk area (room), or the listed desks."""

    floor: Id | None = None
    room: Id | None = None
    desks: Annotated[list[Id], Field(min_length=1, max_length=10_000)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "DeskSelection":
        given = [name for name in ("floor", "room", "desks") if getattr(self, name) is not None]
        if len(given) != 1:
            found = " and ".join(given) if given else "none"
            raise ValueError(f"give exactly one of floor, room or desks (found {found})")
        return self


class RemoveDesks(_Change):
    remove_desks: DeskSelection


class DeskAddition(_Change):
    floor: Id
    count: Capacity


class AddDesks(_Change):
    add_desks: DeskAddition


Change = Split | RemoveRoom | AddRoom | SetCapacity | RemoveDesks | AddDesks
KINDS: dict[str, type[_Change]] = {
    "split": Split,
    "remove_room": RemoveRoom,
    "add_room": AddRoom,
    "set_capacity": SetCapacity,
    "remove_desks": RemoveDesks,
    "add_desks": AddDesks,
}

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str

    @property
    def where(self) -> str:
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or "plan"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class PlanError(ValueError):
    """The plan cannot be used; ``problems`` says every reason, with where it is."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]

    def as_json(self) -> list[dict[str, Any]]:
        return [change.model_dump(mode="json", exclude_none=True) for change in self.changes]


def closest(word: str, choices: Sequence[str] | set[str] | Mapping[str, Any]) -> str:
    """`` (did you mean X?)`` for the nearest of ``choices``, or ``""``."""
    match = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def parse_plan(document: object, options: Sequence[str] = ()) -> Plan:
    """The changes of ``document`` (parsed JSON or YAML), or :class:`PlanError`.

    ``options``: other top-level keys the caller reads itself (the API's ``from``, ``to``).
    """
    if not isinstance(document, Mapping):
        raise PlanError([Problem((), f"a plan is a mapping with a 'changes' list, e.g. {EXAMPLE}")])
    known = ["changes", *options]
    problems = [
        Problem((str(key),), "unknown key" + closest(str(key), known))
        for key in document
        if key not in known
    ]
    items = document.get("changes")
    if items is None:
        problems.append(Problem(("changes",), f"missing: list the changes, e.g. {EXAMPLE}"))
    elif not isinstance(items, list):
        problems.append(Problem(("changes",), "must be a list of changes"))
    elif not items:
        problems.append(Problem(("changes",), "the plan changes nothing: give at least one"))
    elif len(items) > MAX_CHANGES:
        problems.append(Problem(("changes",), f"{len(items)} changes; at most {MAX_CHANGES}"))
    changes: list[Change] = []
    for index, item in enumerate(items if isinstance(items, list) else ()):
        change = _parse_change(item, ("changes", index), problems)
        if change is not None:
            changes.append(change)
    if problems:
        raise PlanError(problems)
    return Plan(tuple(changes))


def _parse_change(item: object, loc: Loc, problems: list[Problem]) -> Change | None:
    kinds_list = ", ".join(KINDS)
    if not isinstance(item, Mapping) or not item:
        problems.append(Problem(loc, f"a change is a mapping with one of: {kinds_list}"))
        return None
    kinds = [key for key in item if key in KINDS]
    if not kinds:
        key = str(next(iter(item)))
        problems.append(
            Problem(
                (*loc, key), f"unknown kind of change{closest(key, KINDS)}; use one of {kinds_list}"
            )
        )
        return None
    if len(kinds) > 1:
        problems.append(Problem(loc, f"one change per item, found {' and '.join(kinds)}"))
        return None
    model = KINDS[kinds[0]]
    try:
        return model.model_validate(dict(item))  # type: ignore[return-value]
    except ValidationError as error:
        for detail in error.errors():
            problems.append(Problem(loc + tuple(detail["loc"]), _message(detail, model)))
        return None


def _message(detail: Any, model: type[BaseModel]) -> str:
    kind, given = detail["type"], detail.get("input")
    if kind == "extra_forbidden":
        name = str(detail["loc"][-1])
        fields = _fields_at(model, detail["loc"][:-1])
        return f"unknown key{closest(name, fields)}; expected {', '.join(fields)}"
    if kind == "missing":
        return "missing"
    if kind == "string_pattern_mismatch":
        return f"{given!r} is not an id: use 1-63 lowercase letters, digits, '-' or '_'"
    if kind in ("greater_than_equal", "less_than_equal", "int_type"):
        return f"{detail['msg'].lower()} (got {given!r})"
    if kind in ("too_short", "too_long"):
        return f"{detail['msg'].lower().replace(' after validation', '')}"
    return str(detail["msg"]).removeprefix("Value error, ")


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names of the (nested) model at ``loc``, for "did you mean"."""
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        nested = _model_in(annotation)
        if nested is None:
            break
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
