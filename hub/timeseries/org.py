"""Tags from the organisation tables: where a room, desk or terminal is.

Loaded once per exporter pass (a few small tables), so a room moved to another floor is
tagged with its new place from the next pass on. Points of spaces that no longer exist
keep their own id tags and simply have no room/floor/building/site tags.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import Building, Desk, Device, Floor, Room


@dataclass(frozen=True, slots=True)
class Place:
    room_id: str
    floor_id: str
    building_id: str
    site_id: str

    def tags(self) -> dict[str, str]:
        return {
            "room_id": self.room_id,
            "floor_id": self.floor_id,
            "building_id": self.building_id,
            "site_id": self.site_id,
        }


class OrgIndex:
    def __init__(
        self,
        rooms: dict[str, Place],
        desk_rooms: dict[str, str],
        device_rooms: dict[str, str],
    ) -> None:
        self.rooms = rooms
        self._desk_rooms = desk_rooms
        self._device_rooms = device_rooms

    @classmethod
    def load(cls, session: Session) -> "OrgIndex":
        rooms = {
            room_id: Place(room_id, floor_id, building_id, site_id)
            for room_id, floor_id, building_id, site_id in session.execute(
                select(Room.id, Room.floor_id, Floor.building_id, Building.site_id)
                .join(Floor, Room.floor_id == Floor.id)
                .join(Building, Floor.building_id == Building.id)
            )
        }
        desks = {d: r for d, r in session.execute(select(Desk.id, Desk.room_id))}
        devices = {d: r for d, r in session.execute(select(Device.id, Device.room_id))}
        return cls(rooms, desks, devices)

    def space_tags(self, space_kind: str, space_id: str) -> dict[str, str]:
        room_id = space_id if space_kind == "room" else self._desk_rooms.get(space_id, "")
        tags = {"space_kind": space_kind, "space_id": space_id}
        place = self.rooms.get(room_id)
        if place is not None:
            tags.update(place.tags())
        return tags

    def device_tags(self, device_id: str) -> dict[str, str]:
        tags = {"device_id": device_id}
        place = self.rooms.get(self._device_rooms.get(device_id, ""))
        if place is not None:
            tags.update(place.tags())
        return tags
