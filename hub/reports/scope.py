"""Whose spaces a report covers (its audience) and which part of the organisation (its focus).

An **audience** follows the department rule of hub/auth/scope.py: ``all`` (admins: every
space), ``department:<id>`` (that department's spaces and shared ones: what its facilities
staff see) or ``shared`` (shared spaces only: facilities staff without a department). A
stored report is readable by exactly the callers whose audience it was built for.

A **focus** narrows the audience to one site, building or floor (``scope=site:hq`` in the
API); objects outside the audience are unknown, exactly like ones that do not exist.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from hub.auth.roles import Principal, Role
from hub.db.models import Building, Desk, Floor, Room

ALL = "all"
SHARED = "shared"
_DEPARTMENT = "department:"

Level = Literal["all", "site", "building", "floor"]
_FOCUS = re.compile(r"(site|building|floor):([a-z0-9][a-z0-9_-]{0,62})")


class ScopeNotFound(LookupError):
    """The focus names a site, building or floor the audience does not hold (a 404)."""


@dataclass(frozen=True, slots=True)
class Audience:
    key: str  # all | shared | department:<id>

    @classmethod
    def of(cls, principal: Principal) -> "Audience":
        if principal.is_admin:
            return cls(ALL)
        if principal.role is not Role.FACILITIES:
            raise PermissionError(f"role {principal.role.value} has no reports")
        if principal.department_id is None:
            return cls(SHARED)
        return cls(_DEPARTMENT + principal.department_id)

    @property
    def department_id(self) -> str | None:
        return self.key[len(_DEPARTMENT) :] if self.key.startswith(_DEPARTMENT) else None

    @property
    def departments(self) -> Collection[str | None] | None:
        """For the dashboard queries: None is every department, None in the list is shared."""
        if self.key == ALL:
            return None
        department = self.department_id
        return [None] if department is None else [None, department]

    def room_clause(self) -> ColumnElement[bool]:
        """The rooms of this audience (the same rule as hub.auth.scope.room_clause)."""
        if self.key == ALL:
            return true()
        department = self.department_id
        shared = Room.department_id.is_(None)
        return shared if department is None else or_(shared, Room.department_id == department)


@dataclass(frozen=True, slots=True)
class Focus:
    level: Level = "all"
    id: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> "Focus":
        """``None`` or ``all``: everything; otherwise ``site:ID``, ``building:ID``, ``floor:ID``."""
        if text is None or text in ("", "all"):
            return cls()
        match = _FOCUS.fullmatch(text)
        if match is None:
            raise ValueError(
                f"scope must be all, site:ID, building:ID or floor:ID (ids are lowercase "
                f"slugs), not {text!r}"
            )
        level: Level = match.group(1)  # type: ignore[assignment]  # the pattern allows 3 words
        return cls(level, match.group(2))

    @property
    def text(self) -> str:
        return "all" if self.id is None else f"{self.level}:{self.id}"


@dataclass(frozen=True, slots=True)
class Selection:
    """The rooms and desks one report covers, and the filters the group queries take."""

    room_ids: list[str]
    desk_ids: list[str]
    floor_ids: list[str] | None
    building_ids: list[str] | None


def select_spaces(session: Session, audience: Audience, focus: Focus) -> Selection:
    """Rooms (and their desks) of ``audience`` inside ``focus``; ScopeNotFound when the focus
    holds none of the audience's rooms (whether it exists or not: the same answer)."""
    query = (
        select(Room.id)
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .where(audience.room_clause())
    )
    floor_ids: list[str] | None = None
    building_ids: list[str] | None = None
    if focus.level == "floor":
        query = query.where(Room.floor_id == focus.id)
        floor_ids = [str(focus.id)]
    elif focus.level == "building":
        query = query.where(Floor.building_id == focus.id)
        building_ids = [str(focus.id)]
    elif focus.level == "site":
        query = query.where(Building.site_id == focus.id)
        building_ids = list(
            session.scalars(select(Building.id).where(Building.site_id == focus.id))
        )
    rooms = sorted(session.scalars(query))
    if focus.id is not None and not rooms:
        raise ScopeNotFound(f"no {focus.level} with id {focus.id!r}")
    desks = sorted(session.scalars(select(Desk.id).where(Desk.room_id.in_(rooms))))
    return Selection(rooms, desks, floor_ids, building_ids)
