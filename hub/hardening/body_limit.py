"""Request bodies have a size limit: 413 with the API's error shape, before any route sees them.

A pure ASGI middleware, so it works for every route (API, dashboard forms, the ICS feed)
and for bodies with or without ``Content-Length``:

- a declared ``Content-Length`` over the limit is refused at once, nothing read;
- otherwise the body is read here, counting, and refused as soon as it passes the limit (a
  chunked upload cannot stream past it); a body within the limit is handed to the app as it
  came, and the app's later ``receive()`` calls (a stream waiting for the client to
  disconnect) go to the server as before.

The limit is ``QUORUM_MAX_BODY_BYTES`` (1 MiB), larger only where a route needs it: an
iCalendar import may be as large as hub.bookings.ical_import accepts.
"""

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.bookings.ical_import import MAX_BYTES as ICAL_MAX_BYTES

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Paths whose bodies may be larger than the default, and how large.
LARGER: Mapping[str, int] = {"/api/v1/booking-imports": ICAL_MAX_BYTES}


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        larger: Mapping[str, int] = LARGER,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger)

    def limit_for(self, path: str) -> int:
        return max(self.max_bytes, self.larger.get(path.rstrip("/") or "/", 0))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = {k.lower(): v for k, v in scope["headers"]}
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _refuse(send, 400, "the Content-Length header is not a number")
                return
            if int(declared) > limit:
                await _too_large(send, limit)
                return
            if int(declared) == 0:
                await self.app(scope, receive, send)
                return
        elif b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            await self.app(scope, receive, send)  # no body at all (GET, HEAD, a stream)
            return
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send, limit)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        pending: list[Message] = [{"type": "http.request", "body": b"".join(parts)}]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, 413, f"the request body is larger than {limit} bytes; send less")


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body is not read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
