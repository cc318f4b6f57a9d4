"""Live state changes as Server-Sent Events, filtered to what the caller may see.

The first event is ``ready`` (sent once the stream is subscribed, so a client
that re-reads ``/rooms`` after it misses nothing). Then ``space`` and
``device`` events from ingest, and ``resync`` when this client fell so far
behind that events were dropped (re-read the state). A comment ping keeps
proxies from closing an idle stream.

A stream can stay open for days, so the caller's token and rights are
checked again every :data:`RECHECK_S` seconds (on the app clock); a revoked
token or deactivated user ends the stream with an ``unauthorized`` event.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from common.clock import Clock
from hub.api.common import LiveViewer
from hub.auth.dependencies import unauthorized
from hub.auth.roles import Principal
from hub.auth.scope import visible_room_ids
from hub.auth.tokens import still_valid
from hub.state import ClockDep, HubState, HubStateDep, LiveDep

router = APIRouter(tags=["live"])

RECHECK_S = 30.0
# How often the stream wakes without events to run the recheck (real time).
IDLE_WAKEUP_S = 5.0
SEND_TIMEOUT_S = 30.0
# Events that concern no particular space and go to every listener.
UNSCOPED_EVENTS = frozenset({"resync"})


def stream_ping_s() -> float:
    """Seconds between keep-alive pings (a dependency, so tests can make it short)."""
    return 15.0


def _allowed(event: dict[str, Any], principal: Principal, rooms: set[str]) -> bool:
    if principal.is_admin or event.get("type") in UNSCOPED_EVENTS:
        return True
    # Ingest events name the room they concern (for a desk: the desk's room).
    return event.get("room_id") in rooms


def _scope(state: HubState, principal: Principal, clock: Clock) -> set[str] | None:
    """The rooms the caller may see now, or None when their token no longer works."""
    with state.session_factory() as session:
        if not still_valid(session, principal, clock.now()):
            return None
        return visible_room_ids(session, principal)


def _sse(kind: str, payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=kind, data=json.dumps(payload, default=str, ensure_ascii=False))


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    summary="Live state changes (Server-Sent Events)",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "An endless event stream."}
    },
)
async def stream(
    caller: LiveViewer,
    state: HubStateDep,
    live: LiveDep,
    clock: ClockDep,
    ping_s: Annotated[float, Depends(stream_ping_s)],
) -> EventSourceResponse:
    rooms = await run_in_threadpool(_scope, state, caller, clock)
    if rooms is None:  # revoked between authentication and here
        raise unauthorized("token no longer valid", invalid=True)

    async def events() -> AsyncIterator[ServerSentEvent]:
        visible: set[str] = rooms
        checked_at = clock.monotonic()
        async with live.listen() as queue:
            yield _sse("ready", {"type": "ready"})
            while True:
                try:
                    event: dict[str, Any] | None = await asyncio.wait_for(
                        queue.get(), IDLE_WAKEUP_S
                    )
                except TimeoutError:
                    event = None
                if clock.monotonic() - checked_at >= RECHECK_S:
                    refreshed = await run_in_threadpool(_scope, state, caller, clock)
                    if refreshed is None:
                        yield _sse(
                            "unauthorized",
                            {"type": "unauthorized", "detail": "token no longer valid"},
                        )
                        return
                    visible, checked_at = refreshed, clock.monotonic()
                if event is not None and _allowed(event, caller, visible):
                    yield _sse(str(event.get("type", "message")), event)

    return EventSourceResponse(events(), ping=ping_s, send_timeout=SEND_TIMEOUT_S)
