"""Home Assistant MQTT discovery configs for the hub's rooms: pure functions, no I/O.

Per room, one Home Assistant *device* (named after the room, suggested as its area) with:

- ``binary_sensor`` Occupancy (``device_class: occupancy``),
- ``sensor`` People: the headcount band (``0``, ``1``, ``2``, ``3+``; unknown without a counter),
- ``sensor`` Booking: ``free``, ``booked``, ``checked_in``, ``no_show`` or ``released``
  (``device_class: enum``),
- per terminal in the room, ``binary_sensor`` Terminal <id> (``device_class: connectivity``,
  a diagnostic entity).

Every entity reads the room's one state document (``value_template``) and gets its extra
attributes from it (``json_attributes_topic`` + ``json_attributes_template``). Availability:
all entities need the hub bridge online (its Last Will says ``offline`` when the hub dies);
occupancy and people also need a terminal of the room online (``availability_mode: all``), as
without one they are stale facts. Keys are the full names from Home Assistant's MQTT docs
(no abbreviations), so a reader can look each one up.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hub.homeassistant.rooms import BOOKING_STATES, RoomInfo
from hub.homeassistant.topics import availability_topic, discovery_topic, room_state_topic

MANUFACTURER = "Quorum"
MODELS = {"meeting_room": "Meeting room", "desk_area": "Desk area"}
ONLINE, OFFLINE = "online", "offline"


@dataclass(frozen=True)
class Bridge:
    """Where this hub's bridge publishes, and what it says about itself."""

    prefix: str  # the hub's MQTT prefix
    discovery_prefix: str
    node: str  # topics.node_id(prefix)
    sw_version: str


@dataclass(frozen=True)
class Entity:
    component: str
    object_id: str
    config: dict[str, Any]

    def topic(self, bridge: Bridge) -> str:
        return discovery_topic(bridge.discovery_prefix, self.component, bridge.node, self.object_id)


def room_entities(bridge: Bridge, room: RoomInfo) -> list[Entity]:
    state_topic = room_state_topic(bridge.prefix, room.id)
    hub_online = {
        "topic": availability_topic(bridge.prefix),
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
    }
    terminal_online = {
        "topic": state_topic,
        "value_template": "{{ value_json.availability }}",
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
    }
    common = {
        "state_topic": state_topic,
        "json_attributes_topic": state_topic,
        "qos": 1,
        "device": _device(bridge, room),
        "origin": {"name": "Quorum hub", "sw_version": bridge.sw_version},
    }
    sensed = {**common, "availability": [hub_online, terminal_online], "availability_mode": "all"}
    hub_only = {**common, "availability": [hub_online], "availability_mode": "all"}
    entities = [
        _entity(
            bridge,
            room,
            "binary_sensor",
            "occupancy",
            sensed,
            name="Occupancy",
            device_class="occupancy",
            value_template="{{ value_json.occupancy }}",
            payload_on="ON",
            payload_off="OFF",
            json_attributes_template="{{ value_json.occupancy_attributes | tojson }}",
        ),
        _entity(
            bridge,
            room,
            "sensor",
            "people",
            sensed,
            name="People",
            icon="mdi:account-group",
            value_template="{{ value_json.people }}",
            json_attributes_template="{{ value_json.people_attributes | tojson }}",
        ),
        _entity(
            bridge,
            room,
            "sensor",
            "booking",
            hub_only,
            name="Booking",
            device_class="enum",
            options=list(BOOKING_STATES),
            icon="mdi:calendar-clock",
            value_template="{{ value_json.booking }}",
            json_attributes_template="{{ value_json.booking_attributes | tojson }}",
        ),
    ]
    for device_id in room.devices:
        entities.append(
            _entity(
                bridge,
                room,
                "binary_sensor",
                f"{device_id}_connectivity",
                hub_only,
                name=f"Terminal {device_id}",
                device_class="connectivity",
                entity_category="diagnostic",
                value_template=f"{{{{ value_json.terminals['{device_id}'] }}}}",
                payload_on=ONLINE,
                payload_off=OFFLINE,
            )
        )
    return entities


def all_entities(bridge: Bridge, rooms: list[RoomInfo]) -> Iterator[Entity]:
    for room in rooms:
        yield from room_entities(bridge, room)


def _entity(
    bridge: Bridge,
    room: RoomInfo,
    component: str,
    suffix: str,
    common: dict[str, Any],
    **keys: Any,
) -> Entity:
    # Object id = unique id, as Home Assistant recommends; the node level keeps hubs apart.
    object_id = f"{room.id}_{suffix}"
    config = {**common, **keys, "unique_id": f"{bridge.node}_{object_id}"}
    return Entity(component, object_id, config)


def _device(bridge: Bridge, room: RoomInfo) -> dict[str, Any]:
    return {
        "identifiers": [f"{bridge.node}_room_{room.id}"],
        "name": room.name,
        "manufacturer": MANUFACTURER,
        "model": MODELS.get(room.kind, room.kind),
        "sw_version": bridge.sw_version,
        "suggested_area": room.name,
    }
