"""The slice of the organisation model one batch needs, and the checks against it.

Loaded per batch with a few ``IN`` queries rather than cached, so rooms and
terminals imported while the hub runs are seen by the very next batch.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.messages import HeartbeatData, Message, OccupancyData, Reason
from hub.db.models import Desk, Room

if TYPE_CHECKING:  # devices.py uses chunked() from here
    from hub.ingest.devices import DeviceRow

SpaceKey = tuple[str, str]  # (space kind, space id)
T = TypeVar("T")
# Well under SQLite's and PostgreSQL's bound-parameter limits.
IN_CHUNK = 300


def chunked(items: Iterable[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """Split values for ``IN (...)`` queries; sorted, so queries are repeatable."""
    ordered = sorted(items)  # type: ignore[type-var]
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def spaces_named(message: Message) -> list[SpaceKey]:
    """Every room or desk a message speaks about."""
    data = message.data
    if isinstance(data, OccupancyData):
        return [(data.space, data.space_id)]
    if isinstance(data, HeartbeatData):
        return [(space.space, space.space_id) for space in data.spaces]
    return []


@dataclass
class OrgView:
    rooms: set[str]
    desk_rooms: dict[str, str]  # desk id -> room id
    devices: dict[str, "DeviceRow"]  # ingest updates them in place and writes them back

    @classmethod
    def load(
        cls, session: Session, messages: Iterable[Message], devices: dict[str, "DeviceRow"]
    ) -> "OrgView":
        """``devices``: the rows of the devices ``messages`` come from (those that exist)."""
        messages = list(messages)
        view = cls(rooms=set(), desk_rooms={}, devices=devices)
        # A registered device's room exists (foreign key), so rooms are only looked up for
        # messages that fail the device check: the usual batch costs one query less.
        unsure: set[str] = set()
        for message in messages:
            (view.rooms if view._device_fits(message) else unsure).add(message.room)
        for chunk in chunked(unsure - view.rooms):
            view.rooms.update(session.scalars(select(Room.id).where(Room.id.in_(chunk))))
        desk_ids = {sid for m in messages for kind, sid in spaces_named(m) if kind == "desk"}
        for chunk in chunked(desk_ids):
            rows = session.execute(select(Desk.id, Desk.room_id).where(Desk.id.in_(chunk)))
            view.desk_rooms.update({desk: room for desk, room in rows})
        return view

    def _device_fits(self, message: Message) -> bool:
        device = self.devices.get(message.envelope.device)
        return device is not None and device.room_id == message.room

    def check(self, message: Message) -> tuple[Reason, str] | None:
        """Why the organisation model rejects ``message``, or None if it fits."""
        room, device_id = message.room, message.envelope.device
        if room not in self.rooms:
            return Reason.UNKNOWN_ROOM, f"room {room!r} is not in the organisation model"
        device = self.devices.get(device_id)
        if device is None:
            return Reason.UNKNOWN_DEVICE, f"device {device_id!r} is not registered"
        if device.revoked_at is not None:
            # Sent before the revocation and delivered late (a Last Will, a queued message):
            # the hub no longer trusts it (python -m hub devices revoke).
            revoked = device.revoked_at.isoformat()
            return Reason.DEVICE_REVOKED, f"device {device_id!r} was revoked at {revoked}"
        if device.room_id != room:
            return (
                Reason.TOPIC_MISMATCH,
                f"device {device_id!r} is registered to room {device.room_id!r}, not {room!r}",
            )
        for kind, space_id in spaces_named(message):
            if not self._space_in_room(kind, space_id, room):
                return Reason.UNKNOWN_SPACE, f"{kind} {space_id!r} is not part of room {room!r}"
        return None

    def _space_in_room(self, kind: str, space_id: str, room: str) -> bool:
        if kind == "room":
            return space_id == room
        return self.desk_rooms.get(space_id) == room
