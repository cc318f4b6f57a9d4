"""The organizer's review of a meeting's minutes: read, edit while a draft, confirm.

Confirmation (by the organizer, an admin, or automatically ``QUORUM_MINUTES_AUTO_CONFIRM_H``
hours after the draft arrived) queues every action item for its owner (hub/minutes/
delivery.py); the minutes cannot be edited afterwards, only items' status, due date and task.
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.minutes_models import ActionItem, MeetingMinutes
from hub.minutes.access import find_meeting
from hub.minutes.delivery import ASSIGNED, queue

AUTO = "auto"  # confirmed_by of an automatic confirmation


class ReviewError(ValueError):
    """An edit that does not apply (the minutes are confirmed, an unknown item)."""


def items_of(session: Session, session_id: str) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.session_id == session_id)
            .order_by(ActionItem.position, ActionItem.id)
        )
    )


def auto_confirm_at(row: MeetingMinutes, auto_confirm_h: float) -> datetime | None:
    if row.status != "draft" or auto_confirm_h <= 0:
        return None
    return row.received_at + timedelta(hours=auto_confirm_h)


def markdown_json(row: MeetingMinutes, items: list[ActionItem]) -> dict[str, Any]:
    """The minutes in the terminal's JSON shape (docs/minutes.md), for the Markdown renderer."""
    return {
        "language": row.language,
        "meeting_start": row.meeting_start.isoformat(),
        "action_items": [
            {
                "owner": i.owner_name or i.owner_user_id,
                "task": i.task,
                "due": None if i.due is None else i.due.isoformat(),
                "evidence": i.evidence,
                "review": i.review,
            }
            for i in items
        ],
        "decisions": row.decisions,
        "open_questions": row.open_questions,
    }


def apply_edit(
    session: Session,
    row: MeetingMinutes,
    *,
    items: list[dict[str, Any]] | None,
    decisions: list[str] | None,
    open_questions: list[str] | None,
    now: datetime,
) -> None:
    """Replace what the edit names. ``items``: the full list; an entry with ``id`` keeps
    that item (with the given fields changed), one without adds an item, a missing id
    removes it. Owners are user ids (checked by the caller)."""
    if row.status != "draft":
        raise ReviewError(
            "the minutes are confirmed; only action items' status, due date "
            "and task can still change (PATCH /action-items/{id})"
        )
    if decisions is not None:
        row.decisions = _restate(row.decisions, decisions)
    if open_questions is not None:
        row.open_questions = _restate(row.open_questions, open_questions)
    if items is not None:
        _edit_items(session, row.session_id, items, now)
    row.edited = True
    row.updated_at = now


def _restate(old: list[dict[str, Any]], texts: list[str]) -> list[dict[str, Any]]:
    """New texts; a statement keeps its evidence when its text is unchanged."""
    evidence = {s.get("text"): s.get("evidence") for s in old}
    return [
        {"text": t, "evidence": evidence.get(t) or {"quote": "", "line": None, "start": None}}
        for t in texts
    ]


def _edit_items(
    session: Session, session_id: str, wanted: list[dict[str, Any]], now: datetime
) -> None:
    existing = {i.id: i for i in items_of(session, session_id)}
    kept: set[int] = set()
    for position, fields in enumerate(wanted):
        item_id = fields.get("id")
        if item_id is not None:
            item = existing.get(item_id)
            if item is None:
                raise ReviewError(f"action item {item_id} is not in these minutes")
            kept.add(item_id)
        else:
            item = ActionItem(
                session_id=session_id,
                task="",
                evidence={"quote": "", "line": None, "start": None},
                review=[],
                status="open",
                created_at=now,
            )
            session.add(item)
        item.position = position
        for name in ("task", "owner_name", "owner_user_id", "due"):
            if name in fields:
                setattr(item, name, fields[name])
        if not item.task:
            raise ReviewError("an added action item needs a task")
        item.updated_at = now
    for item_id, item in existing.items():
        if item_id not in kept:
            session.delete(item)
    session.flush()


def confirm(session: Session, row: MeetingMinutes, by: str, now: datetime) -> int:
    """Confirm a draft and queue its items for their owners; the number queued."""
    if row.status != "draft":
        raise ReviewError("the minutes are confirmed already")
    row.status, row.confirmed_at, row.confirmed_by, row.updated_at = "confirmed", now, by, now
    meeting = find_meeting(session, row.session_id)
    queued = 0
    for item in items_of(session, row.session_id):
        if queue(session, item, meeting, ASSIGNED, now) is not None:
            queued += 1
    session.flush()
    return queued


def auto_confirm(session: Session, now: datetime, auto_confirm_h: float) -> int:
    """The runner's job: confirm drafts older than the setting (0: never)."""
    if auto_confirm_h <= 0:
        return 0
    cutoff = now - timedelta(hours=auto_confirm_h)
    drafts = session.scalars(
        select(MeetingMinutes)
        .where(MeetingMinutes.status == "draft", MeetingMinutes.received_at <= cutoff)
        .order_by(MeetingMinutes.id)
        .limit(100)
    ).all()
    for row in drafts:
        confirm(session, row, AUTO, now)
    return len(drafts)


def due_in_range(due: date | None) -> bool:
    """Due dates the hub accepts: 1970 to 2199, like every time it reads."""
    return due is None or date(1970, 1, 1) <= due < date(2200, 1, 1)
