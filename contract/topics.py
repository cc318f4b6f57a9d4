"""MQTT topic names. Every topic is built and parsed here and nowhere else.

Layout (``<prefix>`` defaults to ``quorum``)::

    <prefix>/v1/rooms/<room>/devices/<device>/status           retained, also the Last Will
    <prefix>/v1/rooms/<room>/devices/<device>/occupancy        room and desk state changes
    <prefix>/v1/rooms/<room>/devices/<device>/heartbeat        periodic liveness + state snapshot
    <prefix>/v1/rooms/<room>/devices/<device>/events/<kind>    raw sensor transitions, other events
    <prefix>/v1/rooms/<room>/devices/<device>/speech/<kind>    transcript | intent | minutes
    <prefix>/v1/rooms/<room>/devices/<device>/cmd/<target>     hub -> terminal, never retained
    <prefix>/v1/users/<user>/notifications                     hub -> a person's apps (bookings)
    <prefix>/v1/users/<user>/action-items                      hub -> a person's apps (minutes)
"""

from dataclasses import dataclass

from contract import CONTRACT_VERSION
from contract.ids import require_id

VERSION_LEVEL = f"v{CONTRACT_VERSION}"
DEFAULT_PREFIX = "quorum"

# Channels a terminal publishes on. "cmd" is the only channel the hub writes.
TERMINAL_CHANNELS = ("status", "occupancy", "heartbeat", "events", "speech")
CHANNELS_WITH_KIND = ("events", "speech", "cmd")


def _device_root(prefix: str, room: str, device: str) -> str:
    require_id(room, "room")
    require_id(device, "device")
    return f"{prefix}/{VERSION_LEVEL}/rooms/{room}/devices/{device}"


def status_topic(prefix: str, room: str, device: str) -> str:
    return f"{_device_root(prefix, room, device)}/status"


def occupancy_topic(prefix: str, room: str, device: str) -> str:
    return f"{_device_root(prefix, room, device)}/occupancy"


def heartbeat_topic(prefix: str, room: str, device: str) -> str:
    return f"{_device_root(prefix, room, device)}/heartbeat"


def event_topic(prefix: str, room: str, device: str, kind: str) -> str:
    return f"{_device_root(prefix, room, device)}/events/{require_id(kind, 'event kind')}"


def speech_topic(prefix: str, room: str, device: str, kind: str) -> str:
    return f"{_device_root(prefix, room, device)}/speech/{require_id(kind, 'speech kind')}"


def user_notification_topic(prefix: str, user: str) -> str:
    """Notices for one person (a release of their booking, a flagged series); QoS 1."""
    require_id(user, "user")
    return f"{prefix}/{VERSION_LEVEL}/users/{user}/notifications"


def user_action_items_topic(prefix: str, user: str) -> str:
    """Action items assigned to a person, and reminders about them (hub -> apps); QoS 1."""
    require_id(user, "user")
    return f"{prefix}/{VERSION_LEVEL}/users/{user}/action-items"


def command_topic(prefix: str, room: str, device: str, target: str) -> str:
    return f"{_device_root(prefix, room, device)}/cmd/{require_id(target, 'command target')}"


def all_terminal_messages(prefix: str) -> list[str]:
    """Subscription filters that receive everything terminals publish (not commands)."""
    root = f"{prefix}/{VERSION_LEVEL}/rooms/+/devices/+"
    return [f"{root}/{channel}" for channel in ("status", "occupancy", "heartbeat")] + [
        f"{root}/{channel}/+" for channel in ("events", "speech")
    ]


def commands_for(prefix: str, room: str, device: str) -> str:
    """Subscription filter for every command addressed to one terminal."""
    return f"{_device_root(prefix, room, device)}/cmd/+"


@dataclass(frozen=True)
class TopicParts:
    prefix: str
    version: int
    room: str
    device: str
    channel: str
    kind: str | None = None


class TopicError(ValueError):
    """A topic that does not follow the contract's layout."""


def parse_topic(topic: str) -> TopicParts:
    """Split a contract topic into its parts; raise :class:`TopicError` otherwise."""
    levels = topic.split("/")
    # The prefix may itself contain '/', so anchor on the fixed levels counted from the end:
    # .../v1/rooms/<room>/devices/<device>/<channel>[/<kind>]
    has_kind = len(levels) >= 8 and levels[-2] in CHANNELS_WITH_KIND
    tail = levels[-7:] if has_kind else levels[-6:]
    if len(levels) < 7 or tail[1] != "rooms" or tail[3] != "devices":
        raise TopicError(
            f"topic {topic!r} does not match <prefix>/v<N>/rooms/<room>/devices/<device>/..."
        )
    version, _, room, _, device, channel = tail[:6]
    kind = tail[6] if has_kind else None
    prefix_levels = levels[: len(levels) - len(tail)]
    if not prefix_levels:
        raise TopicError(f"topic {topic!r} has no prefix")
    if not (version.startswith("v") and version[1:].isdigit()):
        raise TopicError(f"topic {topic!r} has no version level like 'v1'")
    if channel not in TERMINAL_CHANNELS and channel != "cmd":
        raise TopicError(f"topic {topic!r}: unknown channel {channel!r}")
    if (kind is None) == (channel in CHANNELS_WITH_KIND):
        raise TopicError(
            f"topic {topic!r}: channel {channel!r} needs {'a' if kind is None else 'no'} kind level"
        )
    try:
        require_id(room, "room")
        require_id(device, "device")
        if kind is not None:
            require_id(kind, "kind")
    except ValueError as exc:
        raise TopicError(f"topic {topic!r}: {exc}") from exc
    return TopicParts(
        prefix="/".join(prefix_levels),
        version=int(version[1:]),
        room=room,
        device=device,
        channel=channel,
        kind=kind,
    )
