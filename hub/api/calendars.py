"""iCalendar import into bookings, and the token-protected ICS feed of a space.

Import and feed management are for admins and facilities staff in scope. The ICS feed
(``GET /calendar/{token}.ics``) lives outside /api/v1: calendar programs cannot send a
bearer token, so the secret token in its URL is the permission. The logic is in
hub.bookings.ical_import and hub.bookings.ics_feed; this module maps it to HTTP.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.booking_models import SpaceKind
from hub.api.bookings import RowId, StaffCaller, booking_http_error
from hub.api.common import UtcTime, bad_input, not_found
from hub.api.errors import BAD_BODY, NOT_FOUND, ErrorOut
from hub.audit.actors import record_api
from hub.auth.roles import Principal
from hub.bookings import access, ical_import, ics_feed
from hub.bookings.errors import BookingError
from hub.db.models import CalendarFeed
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["bookings"])
feed_router = APIRouter(tags=["bookings"])

TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "The calendar is too large."}
}


class ImportUrl(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, examples=["https://example.com/room.ics"])


class ImportItemOut(BaseModel):
    uid: str
    booking_id: str | None = None
    reason: str | None = None


class ImportReportOut(BaseModel):
    created: list[ImportItemOut]
    updated: list[ImportItemOut]
    unchanged: list[ImportItemOut]
    cancelled: list[ImportItemOut]
    skipped: list[ImportItemOut] = Field(description="Events not imported, each with a reason.")


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    space_kind: SpaceKind
    space_id: str = Field(min_length=1, max_length=63, examples=["hq-f1-aurora"])


class FeedOut(BaseModel):
    id: int
    space_kind: str
    space_id: str
    created_by: str
    created_at: UtcTime
    revoked_at: UtcTime | None


class NewFeedOut(FeedOut):
    token: str = Field(description="Shown only in this answer.")
    url: str = Field(description="The feed URL for calendar programs; shown only here.")


# -- helpers ------------------------------------------------------------------------------


# -- iCalendar import ----------------------------------------------------------------------


def get_ical_fetcher() -> Any:
    """How an import URL is fetched (tests replace it with a fake server)."""
    return ical_import.fetch


async def _raw_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > ical_import.MAX_BYTES:
        raise HTTPException(
            413, detail=f"the calendar is larger than {ical_import.MAX_BYTES} bytes"
        )
    return body


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/calendar": {"schema": {"type": "string", "description": "An ICS file."}},
            "application/json": {"schema": ImportUrl.model_json_schema()},
        },
    }
}


@router.post(
    "/booking-imports",
    summary="Import an iCalendar file or URL into bookings",
    responses={**NOT_FOUND, **BAD_BODY, **TOO_LARGE},
    openapi_extra=_IMPORT_BODY,
)
def import_bookings(
    caller: StaffCaller,
    body: Annotated[bytes, Depends(_raw_body)],
    content_type: Annotated[str, Depends(_content_type)],
    session: SessionDep,
    clock: ClockDep,
    fetcher: Annotated[Any, Depends(get_ical_fetcher)],
    space_kind: SpaceKind | None = None,
    space_id: Annotated[str | None, Query(max_length=63)] = None,
) -> ImportReportOut:
    """Send the file as ``Content-Type: text/calendar``, or ``{"url": ...}`` as JSON.

    Without ``space_kind``/``space_id`` each event's LOCATION must name a room or desk
    (its id or name). Events that cannot be booked are reported in ``skipped``. A file
    that is not iCalendar is refused (422) and nothing is imported.
    """
    if (space_kind is None) != (space_id is None):
        raise bad_input("give both space_kind and space_id, or neither (map by LOCATION)")
    return _run_import(
        caller, session, clock.now(), fetcher, content_type, body, space_kind, space_id
    )


def _run_import(
    caller: Principal,
    session: Session,
    now: datetime,
    fetcher: Any,
    kind: str,
    body: bytes,
    space_kind: str | None,
    space_id: str | None,
) -> ImportReportOut:
    space = None
    if space_kind is not None and space_id is not None:
        if not access.can_book(session, caller, space_kind, space_id):
            raise not_found(space_kind, space_id)
        space = (space_kind, space_id)
    try:
        if kind == "application/json":
            try:
                url = ImportUrl.model_validate_json(body).url
            except ValueError:
                raise bad_input(
                    'send {"url": "https://..."} or the ICS file as text/calendar'
                ) from None
            data = fetcher(url)
        elif kind in ("text/calendar", "text/plain", "application/octet-stream"):
            data = body
        else:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                detail='send the ICS file as text/calendar, or {"url": ...} as JSON',
            )
        report = ical_import.import_calendar(
            session,
            data,
            space=space,
            importer_id=caller.user_id,
            now=now,
            may_book=lambda k, i: access.can_book(session, caller, k, i),
        )
    except BookingError as error:
        raise booking_http_error(error) from None
    session.commit()
    return ImportReportOut.model_validate(report, from_attributes=True)


# -- calendar feeds ------------------------------------------------------------------------


def _feed_out(row: CalendarFeed) -> FeedOut:
    return FeedOut(
        id=row.id,
        space_kind=row.space_kind,
        space_id=row.space_id,
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


@router.post(
    "/calendar-feeds",
    status_code=status.HTTP_201_CREATED,
    summary="Create an ICS feed URL for a space (shown once)",
    responses={**NOT_FOUND, **BAD_BODY},
)
def add_feed(
    caller: StaffCaller, body: FeedCreate, request: Request, session: SessionDep, clock: ClockDep
) -> NewFeedOut:
    if not access.space_visible(session, caller, body.space_kind, body.space_id):
        raise not_found(body.space_kind, body.space_id)
    issued = ics_feed.issue_feed(
        session,
        space_kind=body.space_kind,
        space_id=body.space_id,
        created_by=caller.user_id,
        now=clock.now(),
    )
    record_api(
        session,
        request,
        caller,
        action="calendar_feed.create",
        target=f"calendar_feed:{issued.row.id}",
        details={"space_kind": body.space_kind, "space_id": body.space_id},
        now=clock.now(),
    )
    session.commit()
    url = str(request.url_for("calendar_feed", token=issued.token))
    return NewFeedOut(**_feed_out(issued.row).model_dump(), token=issued.token, url=url)


@router.get("/calendar-feeds", summary="Feeds of the spaces you manage (never their tokens)")
def list_feeds(caller: StaffCaller, session: SessionDep) -> list[FeedOut]:
    rows = session.scalars(select(CalendarFeed).order_by(CalendarFeed.id))
    return [
        _feed_out(r)
        for r in rows
        if access.space_visible(session, caller, r.space_kind, r.space_id)
    ]


@router.delete("/calendar-feeds/{feed_id}", summary="Revoke a feed", responses=NOT_FOUND)
def revoke_feed(
    caller: StaffCaller, feed_id: RowId, request: Request, session: SessionDep, clock: ClockDep
) -> FeedOut:
    row = session.get(CalendarFeed, feed_id)
    if row is None or not access.space_visible(session, caller, row.space_kind, row.space_id):
        raise not_found("calendar feed", feed_id)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        record_api(
            session,
            request,
            caller,
            action="calendar_feed.revoke",
            target=f"calendar_feed:{row.id}",
            details={"space_kind": row.space_kind, "space_id": row.space_id},
            now=clock.now(),
        )
        session.commit()
    return _feed_out(row)


@feed_router.get(
    "/calendar/{token}.ics",
    name="calendar_feed",
    summary="A space's bookings as an ICS feed (the token in the URL is the permission)",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {"schema": {"type": "string"}}}},
        404: {"model": ErrorOut, "description": "Unknown or revoked feed token."},
    },
)
def calendar_feed(token: str, session: SessionDep, clock: ClockDep) -> Response:
    row = ics_feed.feed_for_token(session, token)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such calendar feed")
    body = ics_feed.render_feed(session, row.space_kind, row.space_id, clock.now())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
