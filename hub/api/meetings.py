"""Meetings (minutes sessions), their minutes under review, and deleting a meeting.

Admins see every meeting; members those whose booking they organize or attend (and those
an item of theirs came from); the organizer and admins edit, confirm and delete.
Facilities staff, displays and terminals are refused (403). docs/minutes-hub.md.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.api.common import Limit, Offset, bad_input, not_found, parse_time
from hub.api.errors import BAD_BODY, CONFLICT, NOT_FOUND
from hub.api.meeting_models import MeetingOut, MinutesEdit, MinutesOut, meeting_out, minutes_out
from hub.api.minutes import MINUTES_ROLES, SessionIdPath
from hub.auth.dependencies import require_roles
from hub.auth.roles import Principal
from hub.db.minutes_models import MeetingMinutes
from hub.db.models import User
from hub.db.speech_models import MinutesSession
from hub.minutes.access import (
    find_meeting,
    may_edit_meeting,
    may_read_meeting,
    readable_session_ids,
)
from hub.minutes.deletion import delete_meeting, send_delete, wipe_old_pages
from hub.minutes.review import ReviewError, apply_edit, confirm, items_of, markdown_json
from hub.minutes.store import OwnerNames, is_deleted
from hub.state import ClockDep, IngestDep, SessionDep, SettingsDep
from speech.minutes.markdown import render_markdown

router = APIRouter(tags=["meetings"])
Caller = Annotated[Principal, Depends(require_roles(*MINUTES_ROLES))]
TimeQuery = Annotated[
    str | None,
    Query(description="ISO-8601 with offset.", json_schema_extra={"format": "date-time"}),
]
MARKDOWN: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}
}
FORBIDDEN_EDIT = "only the meeting's organizer and admins may change it"


def _readable(session: Session, caller: Principal, session_id: str) -> MinutesSession:
    meeting = find_meeting(session, session_id)
    if meeting is None or not may_read_meeting(session, caller, meeting):
        raise not_found("meeting", session_id)
    return meeting


def _editable(session: Session, caller: Principal, session_id: str) -> MinutesSession:
    meeting = _readable(session, caller, session_id)
    if not may_edit_meeting(session, caller, meeting):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=FORBIDDEN_EDIT)
    return meeting


def _minutes_row(session: Session, session_id: str) -> MeetingMinutes:
    row = session.scalar(select(MeetingMinutes).where(MeetingMinutes.session_id == session_id))
    if row is None:
        raise not_found("minutes of meeting", session_id)
    return row


@router.get("/meetings", summary="Meetings you may see, newest first")
def list_meetings(
    caller: Caller,
    session: SessionDep,
    room_id: Annotated[str | None, Query(max_length=63)] = None,
    start: TimeQuery = None,
    end: TimeQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[MeetingOut]:
    firsts = select(func.min(MinutesSession.id)).group_by(MinutesSession.session_id)
    query = select(MinutesSession).where(MinutesSession.id.in_(firsts))
    readable = readable_session_ids(session, caller)
    if readable is not None:
        query = query.where(MinutesSession.session_id.in_(readable))
    if room_id is not None:
        query = query.where(MinutesSession.room_id == room_id)
    if start is not None:
        query = query.where(MinutesSession.started_at >= parse_time(start, "start"))
    if end is not None:
        query = query.where(MinutesSession.started_at < parse_time(end, "end"))
    rows = session.scalars(
        query.order_by(MinutesSession.started_at.desc(), MinutesSession.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [meeting_out(session, r) for r in rows]


@router.get("/meetings/{session_id}", summary="One meeting", responses=NOT_FOUND)
def get_meeting(caller: Caller, session_id: SessionIdPath, session: SessionDep) -> MeetingOut:
    return meeting_out(session, _readable(session, caller, session_id))


@router.delete(
    "/meetings/{session_id}",
    summary="Delete a meeting's transcript, minutes and action items, here and on the terminal",
    responses=NOT_FOUND,
)
def remove_meeting(
    caller: Caller,
    session_id: SessionIdPath,
    session: SessionDep,
    clock: ClockDep,
    ingest: IngestDep,
) -> MeetingOut:
    meeting = _editable(session, caller, session_id)
    now = clock.now()
    tombstone = delete_meeting(session, meeting, caller.user_id, now)
    session.commit()
    wipe_old_pages(session)
    # After the commit: the terminal is told only once nothing is left here. Not connected
    # now: the bookings loop re-sends it until the terminal confirms (hub/minutes/runner.py).
    if tombstone.terminal_deleted_at is None:
        send_delete(session, tombstone, getattr(ingest, "publish_command", None), now)
        session.commit()
    return meeting_out(session, meeting)


@router.get(
    "/meetings/{session_id}/minutes",
    summary="A meeting's minutes, as JSON or Markdown",
    responses={**NOT_FOUND, **MARKDOWN},
)
def get_minutes(
    caller: Caller,
    session_id: SessionIdPath,
    session: SessionDep,
    settings: SettingsDep,
    format: Literal["json", "markdown"] | None = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Any:
    meeting = _readable(session, caller, session_id)
    row = _minutes_row(session, session_id)
    items = items_of(session, session_id)
    wants_markdown = format == "markdown" or (
        format is None and accept is not None and "text/markdown" in accept
    )
    if wants_markdown:
        text = render_markdown(markdown_json(row, items), title=meeting.title)
        return Response(content=text, media_type="text/markdown; charset=utf-8")
    return minutes_out(session, row, items, settings.minutes_auto_confirm_h)


@router.patch(
    "/meetings/{session_id}/minutes",
    summary="Edit draft minutes: action items, decisions, open questions",
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
def edit_minutes(
    caller: Caller,
    session_id: SessionIdPath,
    body: MinutesEdit,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> MinutesOut:
    _editable(session, caller, session_id)
    row = _minutes_row(session, session_id)
    items = None
    if body.action_items is not None:
        names = OwnerNames(session, session_id)
        items = [
            _item_fields(session, names, e.model_dump(exclude_unset=True))
            for e in body.action_items
        ]
    try:
        apply_edit(
            session,
            row,
            items=items,
            decisions=body.decisions,
            open_questions=body.open_questions,
            now=clock.now(),
        )
    except ReviewError as exc:
        session.rollback()
        code = status.HTTP_409_CONFLICT if row.status != "draft" else 422
        raise HTTPException(code, detail=str(exc)) from exc
    session.commit()
    return minutes_out(session, row, items_of(session, session_id), settings.minutes_auto_confirm_h)


def _item_fields(session: Session, names: OwnerNames, given: dict[str, Any]) -> dict[str, Any]:
    """An edit's fields as columns: an owner's user id must exist; a name is matched."""
    fields: dict[str, Any] = {k: given[k] for k in ("id", "task", "due") if k in given}
    if "owner_user_id" in given:
        user_id = given["owner_user_id"]
        user = None if user_id is None else session.get(User, user_id)
        if user_id is not None and user is None:
            raise bad_input(f"owner_user_id {user_id!r} is not a user")
        fields["owner_user_id"] = user_id
        fields["owner_name"] = given.get("owner") or (None if user is None else user.display_name)
    elif "owner" in given:
        fields["owner_name"] = given["owner"] or None
        fields["owner_user_id"] = names.match(given["owner"])
    return fields


@router.post(
    "/meetings/{session_id}/minutes/confirm",
    summary="Confirm the minutes: their action items go to their owners",
    responses={**NOT_FOUND, **CONFLICT},
)
def confirm_minutes(
    caller: Caller,
    session_id: SessionIdPath,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> MinutesOut:
    _editable(session, caller, session_id)
    if is_deleted(session, session_id):
        raise not_found("minutes of meeting", session_id)
    row = _minutes_row(session, session_id)
    try:
        confirm(session, row, caller.user_id, clock.now())
    except ReviewError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    session.commit()
    return minutes_out(session, row, items_of(session, session_id), settings.minutes_auto_confirm_h)
