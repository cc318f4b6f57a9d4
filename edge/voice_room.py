"""The voice commands that only concern the room: the terminal carries them out itself.

They work with no hub at all (minutes are the terminal's, and so is the microphone); the
``intent`` message still goes to the hub, which records them (``hub.voice.actions``:
``room_only``). Each returns whether it changed anything: a ``stop minutes`` with no session
running is refused (the LED says so), like the button's or the hub's repeat would be ignored.
"""

import logging
from collections.abc import Callable

from edge.minutes import Minutes, SessionOptions
from edge.mute import MuteControl

log = logging.getLogger(__name__)

#: Must match the hub's room-only handlers (``hub/voice/actions.py``).
ROOM_ONLY = frozenset({"start_minutes", "stop_minutes", "off_the_record", "on_the_record", "mute"})


def room_action(intent: str, minutes: Minutes, mute: MuteControl | None) -> bool:
    """Carry out a room-only ``intent``; True if it was done."""
    actions: dict[str, Callable[[], bool]] = {
        # The configured language: the command's may differ from the meeting's.
        "start_minutes": lambda: minutes.start(SessionOptions(reason="voice")),
        "stop_minutes": lambda: minutes.stop("voice"),
        "off_the_record": lambda: minutes.pause("voice"),
        "on_the_record": lambda: minutes.resume("voice"),
        "mute": lambda: mute.mute_by_voice() if mute is not None else False,
    }
    action = actions.get(intent)
    if action is None:
        raise ValueError(f"{intent!r} is not a room-only intent")
    return action()
