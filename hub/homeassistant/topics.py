"""Topic names of the Home Assistant bridge, built here and nowhere else.

Two trees:

- Home Assistant's, under its discovery prefix (default ``homeassistant``)::

      <discovery_prefix>/<component>/<node_id>/<object_id>/config   retained, QoS 1
      <discovery_prefix>/status                                      HA's birth and will

- the hub's own, next to the hub-internal live topic (``<prefix>/v1/hub/...``)::

      <prefix>/v1/hub/ha/availability            "online" / "offline" (the bridge's Last Will)
      <prefix>/v1/hub/ha/rooms/<room>/state      one JSON document per room, retained

``node_id`` names this hub in Home Assistant's tree: the MQTT prefix with every character
outside ``[a-zA-Z0-9_-]`` (Home Assistant's rule for node and object ids) replaced by ``_``.
Ids of rooms and devices are slugs already (contract.ids), so they are used as they are.
"""

import re

from contract.ids import require_id
from contract.topics import VERSION_LEVEL

DEFAULT_DISCOVERY_PREFIX = "homeassistant"
#: Home Assistant's character class for the node and object id levels of a discovery topic.
_NOT_AN_ID_CHARACTER = re.compile(r"[^a-zA-Z0-9_-]")
ID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]+$")
#: The components (Home Assistant platforms) the bridge publishes.
COMPONENTS = ("binary_sensor", "sensor")


def node_id(prefix: str) -> str:
    """This hub's node id in discovery topics and unique ids: ``acme/eu`` -> ``acme_eu``."""
    return _NOT_AN_ID_CHARACTER.sub("_", prefix) or "quorum"


def discovery_topic(discovery_prefix: str, component: str, node: str, object_id: str) -> str:
    if component not in COMPONENTS:
        raise ValueError(f"component {component!r} is not one of {', '.join(COMPONENTS)}")
    for level, what in ((node, "node id"), (object_id, "object id")):
        if not ID_PATTERN.match(level):
            raise ValueError(f"{what} {level!r} may only hold a-z, A-Z, 0-9, _ and -")
    return f"{discovery_prefix}/{component}/{node}/{object_id}/config"


def discovery_filter(discovery_prefix: str, node: str) -> str:
    """Every discovery config of this hub (retained ones tell which entities still exist)."""
    return f"{discovery_prefix}/+/{node}/+/config"


def ha_status_topic(discovery_prefix: str) -> str:
    """Where Home Assistant announces itself (``online``) and its will (``offline``)."""
    return f"{discovery_prefix}/status"


def _bridge_root(prefix: str) -> str:
    return f"{prefix}/{VERSION_LEVEL}/hub/ha"


def availability_topic(prefix: str) -> str:
    return f"{_bridge_root(prefix)}/availability"


def room_state_topic(prefix: str, room: str) -> str:
    require_id(room, "room")
    return f"{_bridge_root(prefix)}/rooms/{room}/state"


def room_states_filter(prefix: str) -> str:
    return f"{_bridge_root(prefix)}/rooms/+/state"
