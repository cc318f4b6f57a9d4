"""What the broker allows whom: Mosquitto dynamic-security roles, clients and their file.

Mosquitto's dynamic security plugin keeps clients (username, password hash, roles) and roles
(ACL lists) in one JSON file, and changes them live on commands sent to
``$CONTROL/dynamic-security/v1``. Everything here is plain data, shared by ``broker init``
(which writes the first file) and the live commands of ``devices provision`` (hub/devices/
broker_accounts.py), so a terminal gets the same role either way.

Access is denied unless a role allows it (``defaultACLAccess``: publishing and subscribing
denied; receiving what one may subscribe to allowed). A terminal's role allows publishing
only under its own room and device, and subscribing only to its own commands; the hub's role
reads every terminal topic (also through ``$share/<group>/...``, which needs its own ACL) and
writes commands, its own ``hub/`` and ``users/`` topics and Home Assistant discovery. Home
Assistant's role reads discovery and the hub's ``hub/ha/`` tree (room states, the bridge's
availability) and writes only its own birth and will (``<discovery_prefix>/status``).
"""

import base64
import hashlib
import secrets
from typing import Any

from contract.ids import require_id
from contract.topics import VERSION_LEVEL
from hub.homeassistant.topics import DEFAULT_DISCOVERY_PREFIX, ha_status_topic

# PBKDF2-SHA512 iterations of the hashes we write (Mosquitto 2.0's own default is 101; the
# plugin reads the count from each client, and a connect costs one hash).
HASH_ITERATIONS = 10_000
ADMIN_ROLE = "quorum-admin"
HUB_ROLE = "quorum-hub"
HOMEASSISTANT_ROLE = "quorum-homeassistant"
DEFAULT_ADMIN = "quorum-admin"
DEFAULT_HUB = "quorum-hub"
DEFAULT_HOMEASSISTANT = "homeassistant"
CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"

Acl = dict[str, Any]


def new_password() -> str:
    """A strong random password (256 bits, URL-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_password(password: str, iterations: int = HASH_ITERATIONS) -> dict[str, Any]:
    """The fields of a dynamic-security client that let ``password`` in (PBKDF2-SHA512)."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return {
        "password": base64.b64encode(digest).decode(),
        "salt": base64.b64encode(salt).decode(),
        "iterations": iterations,
    }


def _acl(kind: str, topic: str) -> Acl:
    return {"acltype": kind, "topic": topic, "allow": True}


def device_role_name(device_id: str) -> str:
    return f"device-{require_id(device_id, 'device')}"


def device_acls(prefix: str, room_id: str, device_id: str) -> list[Acl]:
    """A terminal publishes only as itself in its room, and reads only its own commands."""
    root = (
        f"{prefix}/{VERSION_LEVEL}/rooms/{require_id(room_id, 'room')}"
        f"/devices/{require_id(device_id, 'device')}"
    )
    sends = [f"{root}/{channel}" for channel in ("status", "occupancy", "heartbeat")]
    sends += [f"{root}/{channel}/+" for channel in ("events", "speech")]
    return [_acl("publishClientSend", t) for t in sends] + [
        _acl("subscribePattern", f"{root}/cmd/+")
    ]


def hub_acls(prefix: str, discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX) -> list[Acl]:
    root = f"{prefix}/{VERSION_LEVEL}"
    terminals = f"{root}/rooms/+/devices/+/#"
    return [
        _acl("subscribePattern", terminals),
        # Hub workers share the terminals' messages (docs/scaling.md); Mosquitto checks the
        # shared filter as written, so it needs an ACL of its own.
        _acl("subscribePattern", f"$share/+/{terminals}"),
        _acl("publishClientSend", f"{root}/rooms/+/devices/+/cmd/+"),
        _acl("publishClientSend", f"{root}/hub/#"),
        _acl("subscribePattern", f"{root}/hub/#"),
        _acl("publishClientSend", f"{root}/users/#"),
        # Home Assistant MQTT discovery, and its birth message.
        _acl("publishClientSend", f"{discovery_prefix}/#"),
        _acl("subscribePattern", f"{discovery_prefix}/#"),
    ]


def homeassistant_acls(prefix: str, discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX) -> list[Acl]:
    """Home Assistant reads what the hub's bridge publishes for it (hub/homeassistant/
    topics.py) and announces itself; it reads no terminal topic and sends no command."""
    return [
        _acl("subscribePattern", f"{discovery_prefix}/#"),
        _acl("subscribePattern", f"{prefix}/{VERSION_LEVEL}/hub/ha/#"),
        _acl("publishClientSend", ha_status_topic(discovery_prefix)),
    ]


def admin_acls() -> list[Acl]:
    """Only the plugin's control topic: the admin account moves no room data."""
    return [
        _acl("publishClientSend", CONTROL_TOPIC),
        _acl("subscribePattern", RESPONSE_TOPIC),
        _acl("publishClientReceive", RESPONSE_TOPIC),
    ]


def role(name: str, acls: list[Acl]) -> dict[str, Any]:
    return {"rolename": name, "acls": acls}


def client(username: str, role_name: str, password: str | None) -> dict[str, Any]:
    """A client entry; without a password it can only come in by client certificate."""
    entry: dict[str, Any] = {"username": username, "roles": [{"rolename": role_name}]}
    if password is not None:
        entry.update(hash_password(password))
    return entry


def initial_config(
    *,
    prefix: str,
    admin_password: str,
    hub_password: str,
    admin_username: str = DEFAULT_ADMIN,
    hub_username: str = DEFAULT_HUB,
    homeassistant_password: str | None = None,
    homeassistant_username: str = DEFAULT_HOMEASSISTANT,
    discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX,
) -> dict[str, Any]:
    """The plugin's first file: the admin, hub and (with its password) Home Assistant
    accounts; terminals are added live."""
    clients = [
        client(admin_username, ADMIN_ROLE, admin_password),
        client(hub_username, HUB_ROLE, hub_password),
    ]
    if homeassistant_password is not None:
        clients.append(client(homeassistant_username, HOMEASSISTANT_ROLE, homeassistant_password))
    return {
        "clients": clients,
        "roles": [
            role(ADMIN_ROLE, admin_acls()),
            role(HUB_ROLE, hub_acls(prefix, discovery_prefix)),
            role(HOMEASSISTANT_ROLE, homeassistant_acls(prefix, discovery_prefix)),
        ],
        "groups": [],
        "defaultACLAccess": {
            "publishClientSend": False,
            "publishClientReceive": True,
            "subscribe": False,
            "unsubscribe": True,
        },
    }
