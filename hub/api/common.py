"""Pieces every router shares: role aliases, UTC times, time ranges, 404s, input guards.

Times go out as ISO-8601 with an explicit ``+00:00`` offset. Times come in as
ISO-8601 query values that must carry an offset; a ``+`` that a client forgot
to URL-encode arrives as a space and is put back rather than rejected. They
must lie between :data:`EARLIEST` and :data:`LATEST`: far outside, the date
arithmetic of the analytics overflows.

No input may contain a NUL character (:func:`reject_nul`): PostgreSQL can neither
store nor compare one, so it would be a 500 there.
"""

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, status
from pydantic import (
    AwareDatetime,
    BeforeValidator,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from hub.auth.dependencies import CurrentPrincipal, require_roles
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

# A name or label: surrounding blanks are dropped, and what is left must not be empty.
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    # Without this, pydantic also reads 0 or "86400" (Unix time) and "2026-01-01T00:00:00".
    if isinstance(value, dt.date) or (isinstance(value, str) and _DAY.fullmatch(value)):
        return value
    raise ValueError("use a date as YYYY-MM-DD, e.g. 2026-05-01")


#: A calendar date written as YYYY-MM-DD and nothing else.
Day = Annotated[dt.date, BeforeValidator(_iso_day)]

_SPACE_FOR_PLUS = re.compile(r" (\d{2}(?::?\d{2})?)$")
# What ISO-8601 times look like (RFC 3339 and the forms people type: "T" or a blank between
# date and time, no seconds, "+0100"); fromisoformat alone also takes week dates and odd bytes.
_ISO_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?"
    r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
TIME_EXAMPLE = "2026-01-05T09:00:00+01:00"
#: Times the API accepts: [EARLIEST, LATEST).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def not_found(what: str, ident: object) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} {ident!r} not found")


def bad_input(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=message)


def parse_time(value: str, name: str) -> datetime:
    """An ISO-8601 time with offset, as UTC; 422 with an example otherwise."""
    text = _SPACE_FOR_PLUS.sub(r"+\1", value.strip())
    try:
        if not _ISO_TIME.fullmatch(text):
            raise ValueError(text)
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        raise bad_input(
            f"{name}={value!r} is not an ISO-8601 time; use e.g. {TIME_EXAMPLE}"
        ) from None
    if parsed.tzinfo is None:
        raise bad_input(f"{name}={value!r} has no UTC offset; add one, e.g. {TIME_EXAMPLE} or ...Z")
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is in year 0
        utc = EARLIEST - timedelta(days=1) if parsed.year < EARLIEST.year else LATEST
    if not EARLIEST <= utc < LATEST:
        raise bad_input(
            f"{name}={value!r} is out of range: use a time from {EARLIEST.year} "
            f"to {LATEST.year - 1}"
        )
    return utc


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
                json_schema_extra={"format": "date-time"},
            ),
        ] = None,
        end: Annotated[
            str | None,
            Query(
                description="ISO-8601 with offset; default: now.",
                examples=[TIME_EXAMPLE],
                json_schema_extra={"format": "date-time"},
            ),
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


def _strings(document: Any) -> Iterator[tuple[str, str]]:
    """(where, text) for every string in a decoded JSON document, keys included.

    Iterative: a deeply nested document must not exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [("the body", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield f"a key in {where}", key
                stack.append((f"{where}[{key!r}]", item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))


async def reject_nul(request: Request, _: CurrentPrincipal) -> None:
    """422 for a NUL character anywhere in the path, the query or a JSON body.

    Runs after authentication, so an unauthenticated caller still gets a 401 first.
    """
    await reject_nul_before_sign_in(request)


async def reject_nul_before_sign_in(request: Request) -> None:
    """:func:`reject_nul` for the sign-in endpoints, which are called without a token."""
    found: list[tuple[str, str]] = [("the path", request.scope["path"])]
    for key, value in request.query_params.multi_items():
        found += [("a query parameter name", key), (f"the query parameter {key!r}", value)]
    for where, text in found:
        if "\x00" in text:
            raise _nul_error(where)
    body = await request.body()
    if body:
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):  # not JSON: request validation reports it
            return
        for where, text in _strings(document):
            if "\x00" in text:
                raise _nul_error(where)


def _nul_error(where: str) -> HTTPException:
    return bad_input(f"{where} contains a NUL character (\\u0000), which is not allowed")
