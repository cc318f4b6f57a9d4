"""Action items: list and filter them, close them, and export yours as iCalendar.

Admins see every item; members their own and those of meetings they organize or attend.
The owner may mark an item done (or open again); the organizer and admins may also change
its due date and task. Facilities staff, displays and terminals are refused (403).
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.api.common import MAX_ROW_ID, Day, Limit, Offset, not_found
from hub.api.errors import BAD_BODY, NOT_FOUND
from hub.api.meeting_models import ActionItemOut, ItemPatch, deliveries_of, item_out
from hub.api.minutes import MINUTES_ROLES
from hub.auth.dependencies import require_roles
from hub.auth.roles import Principal
from hub.db.minutes_models import ActionItem
from hub.db.speech_models import MinutesSession
from hub.minutes.access import find_meeting, may_edit_meeting, readable_session_ids
from hub.minutes.ical import render_items
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["action items"])
Caller = Annotated[Principal, Depends(require_roles(*MINUTES_ROLES))]
ItemId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
CALENDAR: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}
}
MAX_ICS_ITEMS = 1000


def _visible(session: Session, caller: Principal) -> Any:
    """A WHERE clause for the items the caller may see (True for admins)."""
    readable = readable_session_ids(session, caller)
    if readable is None:
        return True
    return or_(ActionItem.owner_user_id == caller.user_id, ActionItem.session_id.in_(readable))


@router.get("/action-items", summary="Action items you may see, by due date")
def list_items(
    caller: Caller,
    session: SessionDep,
    owner: Annotated[str | None, Query(max_length=63, description='A user id, or "me".')] = None,
    status_: Annotated[Literal["open", "done"] | None, Query(alias="status")] = None,
    due_before: Annotated[Day | None, Query(description="Due on or before this day.")] = None,
    due_after: Annotated[Day | None, Query(description="Due on or after this day.")] = None,
    meeting: Annotated[str | None, Query(max_length=64, description="A session id.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ActionItemOut]:
    query = select(ActionItem).where(_visible(session, caller))
    if owner is not None:
        query = query.where(
            ActionItem.owner_user_id == (caller.user_id if owner == "me" else owner)
        )
    if status_ is not None:
        query = query.where(ActionItem.status == status_)
    if due_before is not None:
        query = query.where(ActionItem.due <= due_before)
    if due_after is not None:
        query = query.where(ActionItem.due >= due_after)
    if meeting is not None:
        query = query.where(ActionItem.session_id == meeting)
    rows = session.scalars(
        query.order_by(ActionItem.due.is_(None), ActionItem.due, ActionItem.id)
        .limit(limit)
        .offset(offset)
    ).all()
    sent = deliveries_of(session, [r.id for r in rows])
    return [item_out(r, sent.get(r.id, [])) for r in rows]


@router.get(
    "/action-items.ics",
    summary="Your open action items with a due date, as iCalendar to-dos",
    response_class=Response,
    responses=CALENDAR,
)
def my_items_ics(caller: Caller, session: SessionDep, clock: ClockDep) -> Response:
    rows = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.owner_user_id == caller.user_id,
            ActionItem.status == "open",
            ActionItem.due.is_not(None),
        )
        .order_by(ActionItem.due, ActionItem.id)
        .limit(MAX_ICS_ITEMS)
    ).all()
    ids = {r.session_id for r in rows}
    # Titles are sealed (hub/sealing): read through the rows, which open them.
    titles = {
        m.session_id: m.title
        for m in session.scalars(select(MinutesSession).where(MinutesSession.session_id.in_(ids)))
    }
    body = render_items(list(rows), titles, clock.now())
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="action-items.ics"'},
    )


@router.patch(
    "/action-items/{item_id}",
    summary="Mark an action item done or open; organizers also change due date and task",
    responses={**NOT_FOUND, **BAD_BODY},
)
def patch_item(
    caller: Caller, item_id: ItemId, body: ItemPatch, session: SessionDep, clock: ClockDep
) -> ActionItemOut:
    item = session.scalar(
        select(ActionItem).where(ActionItem.id == item_id, _visible(session, caller))
    )
    if item is None:
        raise not_found("action item", item_id)
    meeting = find_meeting(session, item.session_id)
    organizer = meeting is not None and may_edit_meeting(session, caller, meeting)
    given = body.model_fields_set
    if ({"due", "task"} & given) and not (organizer or caller.is_admin):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="only the meeting's organizer and admins may change due date and task",
        )
    if "status" in given and not (
        organizer or caller.is_admin or item.owner_user_id == caller.user_id
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="only the item's owner, the meeting's organizer and admins may close it",
        )
    now = clock.now()
    if "status" in given and body.status is not None and body.status != item.status:
        item.status = body.status
        item.done_at = now if body.status == "done" else None
    if "due" in given and body.due != item.due:
        item.due = body.due
        item.due_soon_at = item.overdue_at = None  # a new date earns new reminders
    if "task" in given and body.task is not None:
        item.task = body.task
    item.updated_at = now
    session.commit()
    return item_out(item, deliveries_of(session, [item.id]).get(item.id, []))
