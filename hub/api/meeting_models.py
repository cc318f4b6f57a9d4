"""Request and response models of the meetings and action-items endpoints, and the
conversions from database rows (shared by hub/api/meetings.py and action_items.py)."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.common import MAX_ROW_ID, Day, UtcTime
from hub.db.minutes_models import ActionItem, ActionItemDelivery, MeetingDeletion, MeetingMinutes
from hub.db.speech_models import MinutesSession
from hub.minutes.access import people_of
from hub.minutes.review import auto_confirm_at, due_in_range

MAX_TEXT = 2000


def _due_range(value: dt.date | None) -> dt.date | None:
    if not due_in_range(value):
        raise ValueError("a due date from 1970 to 2199")
    return value


class EvidenceOut(BaseModel):
    quote: str | None = None
    line: int | None = None
    start: float | None = Field(default=None, description="Seconds from the session's start.")


class DeliveryOut(BaseModel):
    event: str = Field(description="action_item.assigned, action_item.due_soon, ...overdue")
    user_id: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: UtcTime | None
    done_at: UtcTime | None
    last_error: str | None


class ActionItemOut(BaseModel):
    id: int
    session_id: str
    task: str
    owner: str | None = Field(description="The name the minutes give.")
    owner_user_id: str | None
    due: dt.date | None
    status: Literal["open", "done"]
    evidence: EvidenceOut
    review: list[str] = Field(description="Why the extractor asks for a human look.")
    done_at: UtcTime | None
    deliveries: list[DeliveryOut]


class StatementOut(BaseModel):
    text: str
    evidence: EvidenceOut


class MinutesOut(BaseModel):
    session_id: str
    status: Literal["draft", "confirmed"]
    language: str
    meeting_start: UtcTime
    received_at: UtcTime
    updated_at: UtcTime
    edited: bool
    confirmed_at: UtcTime | None
    confirmed_by: str | None = Field(description='A user id, or "auto".')
    auto_confirm_at: UtcTime | None = Field(description="When a draft is confirmed by itself.")
    action_items: list[ActionItemOut]
    decisions: list[StatementOut]
    open_questions: list[StatementOut]


class MeetingOut(BaseModel):
    session_id: str
    room_id: str
    device_id: str
    started_at: UtcTime
    stopped_at: UtcTime | None
    title: str | None
    booking_occurrence_id: int | None
    organizer_id: str | None
    minutes: Literal["none", "draft", "confirmed"]
    action_items: int
    deleted_at: UtcTime | None
    terminal_deleted: bool = Field(
        description="A terminal confirmed it deleted what it held (after a DELETE)."
    )


class ItemEdit(BaseModel):
    """One action item in a PATCH of the minutes: with ``id`` an existing one, else new."""

    id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    task: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    owner: str | None = Field(default=None, max_length=200, description="A name to match.")
    owner_user_id: str | None = Field(default=None, min_length=1, max_length=63)
    due: Day | None = None

    _due = field_validator("due")(_due_range)


class MinutesEdit(BaseModel):
    action_items: list[ItemEdit] | None = Field(
        default=None, max_length=500, description="The full list: items left out are removed."
    )
    decisions: list[str] | None = Field(default=None, max_length=500)
    open_questions: list[str] | None = Field(default=None, max_length=500)

    @field_validator("decisions", "open_questions")
    @classmethod
    def _texts(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not t.strip() or len(t) > MAX_TEXT for t in value):
            raise ValueError(f"each text has 1 to {MAX_TEXT} characters")
        return value


class ItemPatch(BaseModel):
    status: Literal["open", "done"] | None = None
    due: dt.date | None = None
    task: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)

    _due = field_validator("due")(_due_range)


def deliveries_of(session: Session, item_ids: list[int]) -> dict[int, list[DeliveryOut]]:
    found: dict[int, list[DeliveryOut]] = {}
    if not item_ids:
        return found
    rows = session.scalars(
        select(ActionItemDelivery)
        .where(ActionItemDelivery.item_id.in_(item_ids))
        .order_by(ActionItemDelivery.id)
    )
    for r in rows:
        found.setdefault(r.item_id, []).append(
            DeliveryOut(
                event=r.event,
                user_id=r.user_id,
                state=r.state,
                attempts=r.attempts,
                next_attempt_at=r.next_attempt_at,
                done_at=r.done_at,
                last_error=r.last_error,
            )
        )
    return found


def item_out(item: ActionItem, deliveries: list[DeliveryOut]) -> ActionItemOut:
    return ActionItemOut(
        id=item.id,
        session_id=item.session_id,
        task=item.task,
        owner=item.owner_name,
        owner_user_id=item.owner_user_id,
        due=item.due,
        status=item.status,
        evidence=EvidenceOut(**item.evidence),
        review=list(item.review),
        done_at=item.done_at,
        deliveries=deliveries,
    )


def minutes_out(
    session: Session, row: MeetingMinutes, items: list[ActionItem], auto_confirm_h: float
) -> MinutesOut:
    sent = deliveries_of(session, [i.id for i in items])
    return MinutesOut(
        session_id=row.session_id,
        status=row.status,
        language=row.language,
        meeting_start=row.meeting_start,
        received_at=row.received_at,
        updated_at=row.updated_at,
        edited=row.edited,
        confirmed_at=row.confirmed_at,
        confirmed_by=row.confirmed_by,
        auto_confirm_at=auto_confirm_at(row, auto_confirm_h),
        action_items=[item_out(i, sent.get(i.id, [])) for i in items],
        decisions=[StatementOut(**s) for s in row.decisions],
        open_questions=[StatementOut(**s) for s in row.open_questions],
    )


def meeting_out(session: Session, meeting: MinutesSession) -> MeetingOut:
    minutes = session.scalar(
        select(MeetingMinutes).where(MeetingMinutes.session_id == meeting.session_id)
    )
    items = session.scalars(
        select(ActionItem.id).where(ActionItem.session_id == meeting.session_id)
    ).all()
    gone = session.scalar(
        select(MeetingDeletion).where(MeetingDeletion.session_id == meeting.session_id)
    )
    return MeetingOut(
        session_id=meeting.session_id,
        room_id=meeting.room_id,
        device_id=meeting.device_id,
        started_at=meeting.started_at,
        stopped_at=meeting.stopped_at,
        title=meeting.title,
        booking_occurrence_id=meeting.booking_occurrence_id,
        organizer_id=people_of(session, meeting).organizer_id,
        minutes="none" if minutes is None else minutes.status,
        action_items=len(items),
        deleted_at=None if gone is None else gone.deleted_at,
        terminal_deleted=gone is not None and gone.terminal_deleted_at is not None,
    )
