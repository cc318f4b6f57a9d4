"""Pieces every router shares: role aliases, UTC times, time ranges, 404s.

Times go out as ISO-8601 with an explicit ``+00:00`` offset. Times come in as
ISO-8601 query values that must carry an offset; a ``+`` that a client forgot
to URL-encode arrives as a space and is put back rather than rejected.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Query, status
from pydantic import AwareDatetime, PlainSerializer, WithJsonSchema

from hub.auth.dependencies import require_roles
from hub.auth.roles import ADMIN_ONLY, ALL_ROLES, LIVE_VIEWERS, SELF_SERVICE, STAFF, Principal
from hub.state import ClockDep

AnyUser = Annotated[Principal, Depends(require_roles(*ALL_ROLES))]
Admin = Annotated[Principal, Depends(require_roles(*ADMIN_ONLY))]
Staff = Annotated[Principal, Depends(require_roles(*STAFF))]
LiveViewer = Annotated[Principal, Depends(require_roles(*LIVE_VIEWERS))]
SelfService = Annotated[Principal, Depends(require_roles(*SELF_SERVICE))]

UtcTime = Annotated[
    AwareDatetime,
    PlainSerializer(
        lambda value: value.astimezone(UTC).isoformat(), return_type=str, when_used="json"
    ),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-01-05T09:30:00+00:00"}
    ),
]

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")]
# Integer path ids are bounded so an absurd value is a 404, not a database overflow.
MAX_ROW_ID = 2**63 - 1

_SPACE_FOR_PLUS = re.compile(r" (\d{2}(?::?\d{2})?)$")
TIME_EXAMPLE = "2026-01-05T09:00:00+01:00"


def not_found(what: str, ident: object) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} {ident!r} not found")


def bad_input(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=message)


def parse_time(value: str, name: str) -> datetime:
    """An ISO-8601 time with offset, as UTC; 422 with an example otherwise."""
    text = _SPACE_FOR_PLUS.sub(r"+\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad_input(
            f"{name}={value!r} is not an ISO-8601 time; use e.g. {TIME_EXAMPLE}"
        ) from None
    if parsed.tzinfo is None:
        raise bad_input(f"{name}={value!r} has no UTC offset; add one, e.g. {TIME_EXAMPLE} or ...Z")
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    now: datetime


def time_range(
    default_span: timedelta, max_span: timedelta = timedelta(days=400)
) -> Callable[..., TimeRange]:
    """A dependency reading ``start``/``end`` (default: the ``default_span`` up to now)."""

    def dependency(
        clock: ClockDep,
        start: Annotated[
            str | None,
            Query(
                description=f"ISO-8601 with offset; default: end minus {default_span}.",
                examples=[TIME_EXAMPLE],
            ),
        ] = None,
        end: Annotated[
            str | None,
            Query(description="ISO-8601 with offset; default: now.", examples=[TIME_EXAMPLE]),
        ] = None,
    ) -> TimeRange:
        now = clock.now()
        end_at = parse_time(end, "end") if end is not None else now
        start_at = parse_time(start, "start") if start is not None else end_at - default_span
        if start_at >= end_at:
            raise bad_input(
                f"start ({start_at.isoformat()}) must be before end ({end_at.isoformat()})"
            )
        if end_at - start_at > max_span:
            raise bad_input(f"the range is longer than {max_span.days} days; ask for a shorter one")
        return TimeRange(start=start_at, end=end_at, now=now)

    return dependency
