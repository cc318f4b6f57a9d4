"""Security headers on every response the hub sends (API, dashboard, files, errors).

Added where the route has not set its own (the dashboard's pages send a full
Content-Security-Policy, hub/web/pages.py):

- ``X-Content-Type-Options: nosniff``: a browser never guesses a type (a JSON answer is
  not run as a script);
- ``Content-Security-Policy: frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no
  other site can frame a hub page (clickjacking);
- ``Referrer-Policy: same-origin``: hub URLs (a feed token is in one) never leak to others;
- ``Strict-Transport-Security`` when the request came over TLS (``https``, also through a
  reverse proxy whose ``X-Forwarded-Proto`` uvicorn trusts): browsers stay on HTTPS.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = b"max-age=31536000"
DEFAULTS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in DEFAULTS if k not in present]
                if tls and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
