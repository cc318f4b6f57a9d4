"""Which rooms, desks, devices and organisation objects a caller may see.

The single rule, used by every router: admins see everything; facilities and
display accounts see the rooms of their own department plus shared rooms
(``Room.department_id`` is None); everyone else sees no spaces. Desks and
devices follow the room they are in; floors, buildings and sites are visible
when they hold a visible room. Objects outside the scope are answered with
404 by the routers, exactly as if they did not exist.
"""

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from hub.auth.roles import DEPARTMENT_SCOPED, Principal
from hub.db.models import Building, Desk, Device, Floor, Room


def room_clause(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Room` selecting what ``principal`` may see."""
    if principal.is_admin:
        return true()
    if principal.role not in DEPARTMENT_SCOPED:
        return false()
    shared = Room.department_id.is_(None)
    if principal.department_id is None:
        return shared
    return or_(shared, Room.department_id == principal.department_id)


def visible_room_ids(session: Session, principal: Principal) -> set[str]:
    return set(session.scalars(select(Room.id).where(room_clause(principal))))


def visible_desk_ids(session: Session, principal: Principal) -> set[str]:
    query = select(Desk.id).join(Room, Room.id == Desk.room_id).where(room_clause(principal))
    return set(session.scalars(query))


def visible_device_ids(session: Session, principal: Principal) -> set[str]:
    query = select(Device.id).join(Room, Room.id == Device.room_id).where(room_clause(principal))
    return set(session.scalars(query))


def can_see_room(session: Session, principal: Principal, room_id: str) -> bool:
    return visible_room(session, principal, room_id) is not None


def visible_room(session: Session, principal: Principal, room_id: str) -> Room | None:
    return session.scalar(select(Room).where(Room.id == room_id, room_clause(principal)))


def visible_desk(session: Session, principal: Principal, desk_id: str) -> Desk | None:
    query = (
        select(Desk)
        .join(Room, Room.id == Desk.room_id)
        .where(Desk.id == desk_id, room_clause(principal))
    )
    return session.scalar(query)


def visible_device(session: Session, principal: Principal, device_id: str) -> Device | None:
    query = (
        select(Device)
        .join(Room, Room.id == Device.room_id)
        .where(Device.id == device_id, room_clause(principal))
    )
    return session.scalar(query)


def visible_floor_ids(session: Session, principal: Principal) -> set[str] | None:
    """Floors holding a visible room; None means all floors (admins also see empty ones)."""
    if principal.is_admin:
        return None
    return set(session.scalars(select(Room.floor_id).where(room_clause(principal)).distinct()))


def visible_building_ids(session: Session, principal: Principal) -> set[str] | None:
    if principal.is_admin:
        return None
    query = (
        select(Floor.building_id)
        .join(Room, Room.floor_id == Floor.id)
        .where(room_clause(principal))
    )
    return set(session.scalars(query.distinct()))


def visible_site_ids(session: Session, principal: Principal) -> set[str] | None:
    if principal.is_admin:
        return None
    query = (
        select(Building.site_id)
        .join(Floor, Floor.building_id == Building.id)
        .join(Room, Room.floor_id == Floor.id)
        .where(room_clause(principal))
    )
    return set(session.scalars(query.distinct()))


def visible_department_ids(principal: Principal) -> set[str] | None:
    """Admins see every department; anyone else only their own."""
    if principal.is_admin:
        return None
    return {principal.department_id} if principal.department_id is not None else set()
