"""The request and response bodies of the bookings API (hub.api.bookings, hub.api.space_bookings).

Pydantic models only: what a client may send to book or change a booking (with the limits
that keep bad input out: aware times from 1970 to 2199, bounded lists and strings, no
unknown fields) and what it gets back. Apart from the route handlers so the shape of the
API can be read, and reused by the day views and the calendar routes, without the HTTP
plumbing around it.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from hub.api.common import EARLIEST, LATEST, TIME_EXAMPLE, UtcTime

SpaceKind = Literal["room", "desk"]


def _in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range: use a time from 1970 to 2199") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("out of range: use a time from 1970 to 2199")
    return utc


Moment = Annotated[AwareDatetime, AfterValidator(_in_range), Field(examples=[TIME_EXAMPLE])]
UserId = Annotated[str, Field(min_length=1, max_length=63)]
External = Annotated[str, Field(min_length=1, max_length=320)]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    space_kind: SpaceKind
    space_id: str = Field(min_length=1, max_length=63, examples=["hq-f1-aurora"])
    title: str = Field(default="", max_length=300, examples=["Sprint planning"])
    starts_at: Moment
    ends_at: Moment
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA zone a series is expanded in; default: the room's.",
        examples=["Europe/Berlin"],
    )
    rrule: str | None = Field(
        default=None,
        max_length=500,
        description="RFC 5545 RRULE value; DAILY, WEEKLY, MONTHLY or YEARLY.",
        examples=["FREQ=WEEKLY;BYDAY=MO;COUNT=10"],
    )
    exdates: list[Moment] = Field(default_factory=list, max_length=500)
    attendees: list[UserId] = Field(default_factory=list, max_length=200)
    external_attendees: list[External] = Field(default_factory=list, max_length=200)
    organizer_id: UserId | None = Field(
        default=None, description="Admins only: book for someone else. Default: you."
    )


class BookingPatch(BaseModel):
    """Only the fields sent are changed; ``rrule: null`` turns a series into one meeting."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=300)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    timezone: str | None = Field(default=None, max_length=64)
    rrule: str | None = Field(default=None, max_length=500)
    exdates: list[Moment] | None = Field(default=None, max_length=500)
    attendees: list[UserId] | None = Field(default=None, max_length=200)
    external_attendees: list[External] | None = Field(default=None, max_length=200)


class OccurrenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    booking_id: str
    starts_at: UtcTime
    ends_at: UtcTime
    state: str = Field(description="booked | checked_in | released | cancelled | ended")
    checked_in_at: UtcTime | None
    check_in_method: str | None
    released_at: UtcTime | None
    release_reason: str | None
    peak_people: int | None = Field(
        description="The meeting's sensor head count; null when not measured, or when you see "
        "the booking only as a busy slot (a head count is about the people in the meeting)"
    )

    @classmethod
    def of(cls, row: Any, details_visible: bool) -> "OccurrenceOut":
        """``row`` as seen by a caller who sees the booking's details, or only a busy slot."""
        out = cls.model_validate(row)
        return out if details_visible else out.model_copy(update={"peak_people": None})


class BookingOut(BaseModel):
    id: str
    space_kind: str
    space_id: str
    details_visible: bool = Field(
        description="False: you see a busy slot; title, organizer and attendees are hidden."
    )
    title: str | None
    organizer_id: str | None
    attendees: list[str]
    external_attendees: list[str]
    starts_at: UtcTime = Field(description="The first occurrence.")
    ends_at: UtcTime
    timezone: str
    rrule: str | None
    exdates: list[str]
    source: str
    ical_uid: str | None
    created_at: UtcTime
    updated_at: UtcTime
    cancelled_at: UtcTime | None
    cancel_reason: str | None
    strikes: int
    flagged_at: UtcTime | None
    occurrences: list[OccurrenceOut]


class SlotOut(OccurrenceOut):
    """An occurrence in a space's day view, with what you may see of its booking."""

    details_visible: bool
    title: str | None
    organizer_id: str | None
