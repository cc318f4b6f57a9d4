"""The audit log of administrative actions, for admins: ``GET /audit``, newest first."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hub.api.common import TIME_EXAMPLE, Admin, Limit, Offset, UtcTime, bad_input, parse_time
from hub.audit.query import AuditFilter, count_entries, list_entries
from hub.state import SessionDep

router = APIRouter(tags=["audit"])

TimeQuery = Annotated[
    str | None,
    Query(
        description="ISO-8601 with offset.",
        examples=[TIME_EXAMPLE],
        json_schema_extra={"format": "date-time"},
    ),
]
Text = Annotated[str | None, Query(max_length=200)]


class AuditEntryOut(BaseModel):
    id: int
    at: UtcTime
    actor: str = Field(description='Who: "user:<id>", "cli:<os user>", "anonymous".')
    action: str = Field(description='What, e.g. "user.deactivate", "token.create".')
    target: str = Field(description='To what, e.g. "user:ana", "token:12", "department:sales".')
    details: dict[str, Any] = Field(description="What changed; never a secret.")
    address: str | None = Field(description="The caller's IP address (None: command line).")


class AuditPageOut(BaseModel):
    total: int = Field(description="Entries matching the filters.")
    limit: int
    offset: int
    items: list[AuditEntryOut] = Field(description="Newest first.")


@router.get("/audit", summary="The audit log of administrative actions (newest first)")
def audit_log(
    _: Admin,
    session: SessionDep,
    limit: Limit = 100,
    offset: Offset = 0,
    actor: Text = None,
    action: Annotated[
        str | None,
        Query(max_length=63, description='Exact, or a prefix ending in "." such as "user.".'),
    ] = None,
    target: Text = None,
    start: TimeQuery = None,
    end: TimeQuery = None,
) -> AuditPageOut:
    since = parse_time(start, "start") if start is not None else None
    until = parse_time(end, "end") if end is not None else None
    if since is not None and until is not None and since >= until:
        raise bad_input("start must be before end")
    wanted = AuditFilter(actor=actor, action=action, target=target, since=since, until=until)
    rows = list_entries(session, wanted, limit=limit, offset=offset)
    return AuditPageOut(
        total=count_entries(session, wanted),
        limit=limit,
        offset=offset,
        items=[
            AuditEntryOut(
                id=r.id,
                at=r.at,
                actor=r.actor,
                action=r.action,
                target=r.target,
                details=r.details,
                address=r.address,
            )
            for r in rows
        ],
    )
