"""Which handler carries out which intent, and what a handler gives back.

A handler gets the command and the hub's state (:class:`VoiceContext`) and returns an
:class:`Outcome`: ``done`` or ``refused`` (the reply says why), with a ``detail`` the API and
the terminal may show. ``detail`` holds ids, times and reasons only, never meeting content
(facilities staff read it). An intent without a handler is ``unknown_intent``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub.checkin.policy import CheckInPolicy
from hub.db.voice_models import VoiceCommand

DONE, REFUSED, UNKNOWN_INTENT, FAILED = "done", "refused", "unknown_intent", "failed"


@dataclass
class VoiceContext:
    session: Session
    command: VoiceCommand
    now: datetime  # hub time; the command's own time is command.said_at
    policy: CheckInPolicy
    zone: ZoneInfo  # the room's, for times in replies

    def clock(self, at: datetime) -> str:
        """A time as the room says it: ``14:00``."""
        return at.astimezone(self.zone).strftime("%H:%M")


@dataclass(frozen=True)
class Outcome:
    status: str  # done | refused | unknown_intent | failed
    reply: str  # a key of hub.voice.replies.REPLIES
    values: dict[str, str] = field(default_factory=dict)  # for the reply's placeholders
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == DONE


def done(reply: str, values: dict[str, str] | None = None, /, **detail: Any) -> Outcome:
    return Outcome(DONE, reply, values or {}, detail)


def refused(
    reason: str, reply: str, values: dict[str, str] | None = None, /, **detail: Any
) -> Outcome:
    return Outcome(REFUSED, reply, values or {}, {"reason": reason, **detail})


Handler = Callable[[VoiceContext], Outcome]


def handlers() -> dict[str, Handler]:
    # Imported here: the handler modules import this one for Outcome and VoiceContext.
    from hub.voice import bookings, meeting

    return {
        "check_in": bookings.check_in,
        "extend_meeting": bookings.extend_meeting,
        "release_room": bookings.release_room,
        "book_room": bookings.book_room,
        "whats_next": bookings.whats_next,
        # The terminal does these itself (they work with no hub); the hub records them.
        "start_minutes": meeting.room_only("minutes_started"),
        "stop_minutes": meeting.room_only("minutes_stopped"),
        "off_the_record": meeting.room_only("off_the_record"),
        "on_the_record": meeting.room_only("on_the_record"),
        "mute": meeting.room_only("muted"),
        "add_action_item": meeting.add_action_item,
        "mark_decision": meeting.mark_decision,
    }


def unknown(_: VoiceContext) -> Outcome:
    return Outcome(UNKNOWN_INTENT, "unknown_intent")


def duration_slot(ctx: VoiceContext) -> int | None:
    """The ``duration`` slot in whole minutes (1 to 24 h), or None."""
    value = ctx.command.slots.get("duration")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        minutes = round(float(value))
    except (ValueError, OverflowError):  # "abc", nan, inf
        return None
    return minutes if 1 <= minutes <= 24 * 60 else None
