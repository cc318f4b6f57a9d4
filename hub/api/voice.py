"""Voice commands a room's terminals recognised, and what the hub did with each.

Admins, and facilities staff for the rooms in their scope. Facilities staff see intent
names, times and outcomes but not what was said (``text``) nor text slots (an action
item's person and task are meeting content): those are ``null`` / left out for them.
"""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.common import Limit, Staff, TimeRange, UtcTime, not_found, time_range
from hub.api.errors import NOT_FOUND
from hub.auth.scope import visible_room
from hub.db.voice_models import VoiceCommand
from hub.state import SessionDep

router = APIRouter(tags=["voice"])

VoiceRange = Annotated[TimeRange, Depends(time_range(timedelta(days=7), timedelta(days=400)))]


class VoiceCommandOut(BaseModel):
    id: int
    device_id: str
    utterance: str
    intent: str
    slots: dict[str, Any] = Field(
        description="Recognised values; text values (names, tasks) for admins only."
    )
    confidence: float
    trigger: str = Field(description="ptt, wake or text.")
    language: str | None
    session_id: str | None = Field(description="The minutes session running then, if any.")
    said_at: UtcTime
    received_at: UtcTime
    outcome: str = Field(description="pending, done, refused, unknown_intent or failed.")
    detail: dict[str, Any] = Field(description="What the hub did, or why it did not.")
    handled_at: UtcTime | None
    text: str | None = Field(description="What was heard; admins only (null for others).")


@router.get(
    "/rooms/{room_id}/voice-commands",
    summary="A room's voice commands and their outcomes",
    responses=NOT_FOUND,
)
def room_voice_commands(
    caller: Staff, room_id: str, rng: VoiceRange, session: SessionDep, limit: Limit = 200
) -> list[VoiceCommandOut]:
    if visible_room(session, caller, room_id) is None:
        raise not_found("room", room_id)
    rows = session.scalars(
        select(VoiceCommand)
        .where(
            VoiceCommand.room_id == room_id,
            VoiceCommand.said_at >= rng.start,
            VoiceCommand.said_at <= rng.end,
        )
        .order_by(VoiceCommand.said_at.desc(), VoiceCommand.id.desc())
        .limit(limit)
    )
    content = caller.is_admin
    return [
        VoiceCommandOut(
            id=row.id,
            device_id=row.device_id,
            utterance=row.utterance,
            intent=row.intent,
            slots=row.slots if content else _not_text(row.slots),
            confidence=row.confidence,
            trigger=row.trigger,
            language=row.language,
            session_id=row.session_id,
            said_at=row.said_at,
            received_at=row.received_at,
            outcome=row.outcome,
            detail=row.detail,
            handled_at=row.handled_at,
            text=row.text if content else None,
        )
        for row in rows
    ]


def _not_text(slots: dict[str, Any]) -> dict[str, Any]:
    # Text slots may be meeting content (a person, a task); numbers (a duration) are not.
    return {k: v for k, v in slots.items() if not isinstance(v, str)}
