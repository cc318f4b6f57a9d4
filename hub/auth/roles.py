"""Roles, the authenticated caller, and which roles may use which endpoints.

Routers say *which roles* may call them (403 for the others); *which objects*
a permitted caller may see is decided in :mod:`hub.auth.scope` (404 for the rest).
"""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, every department
    FACILITIES = "facilities"  # spaces, occupancy, analytics, devices of their department + shared
    MEMBER = "member"  # their own account and tokens
    DISPLAY = "display"  # a wall panel: live state of their department's rooms + shared rooms
    DEVICE = "device"  # a terminal's account: nothing in the REST API yet but /me


@dataclass(frozen=True)
class Principal:
    """The caller of one request, as found from their token (a snapshot, not an ORM row)."""

    user_id: str
    role: Role
    department_id: str | None
    token_id: int

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


ALL_ROLES: tuple[Role, ...] = tuple(Role)
ADMIN_ONLY: tuple[Role, ...] = (Role.ADMIN,)
# Rooms and desks in detail, occupancy history, utilization, devices, ingest counts.
STAFF: tuple[Role, ...] = (Role.ADMIN, Role.FACILITIES)
# The live state of spaces (lists, single objects, the event stream).
LIVE_VIEWERS: tuple[Role, ...] = (Role.ADMIN, Role.FACILITIES, Role.DISPLAY)
# People who manage their own tokens; display and device accounts are managed by an admin.
SELF_SERVICE: tuple[Role, ...] = (Role.ADMIN, Role.FACILITIES, Role.MEMBER)
# Roles limited to their department's spaces plus shared ones.
DEPARTMENT_SCOPED: frozenset[Role] = frozenset({Role.FACILITIES, Role.DISPLAY})
