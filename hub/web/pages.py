"""The dashboard's routes: sign-in and sign-out, and one page per view (docs/dashboard.md).

Pages are shells: the server checks the session cookie (no session: to /login) and the
role (another role: a 403 page, and links to pages a role may not open are never shown);
the page's script then reads everything from the REST API with the same cookie, so what
each role sees is decided by the API's own checks and department scoping.
"""

from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from contract.ids import ID_PATTERN
from hub.auth.attempts import AttemptsDep, client_address
from hub.auth.cookies import SESSION_COOKIE, csrf_matches, csrf_value
from hub.auth.roles import Principal, Role
from hub.state import ClockDep, HubStateDep
from hub.web import WEB_DIR
from hub.web.session import (
    clear_session_cookies,
    session_principal,
    set_session_cookies,
    sign_in,
    sign_out,
)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=WEB_DIR / "templates")

A, F, M, D = Role.ADMIN, Role.FACILITIES, Role.MEMBER, Role.DISPLAY
# (path, label, roles that see the link and may open the page)
NAV: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("/", "Floors", frozenset({A, F, D})),
    ("/analytics", "Analytics", frozenset({A, F})),
    ("/alerts", "Alerts", frozenset({A, F})),
    # Meetings and minutes: never for facilities staff, displays or terminals.
    ("/me", "My work", frozenset({A, M})),
)
ROLES_OF = {path: roles for path, _, roles in NAV}
MAX_FORM_BYTES = 4096
SECURITY_HEADERS = {
    # Every script, style and image comes from the hub itself; no inline script.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
RoomId = Annotated[str, Path(pattern=ID_PATTERN)]


def _page(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: object,
) -> HTMLResponse:
    token = request.cookies.get(SESSION_COOKIE)
    nav = [(path, label) for path, label, roles in NAV if principal and principal.role in roles]
    response = templates.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "nav": nav,
            "csrf": csrf_value(token) if token and principal else "",
            **context,
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
    return response


def _signed_in(request: Request, state: HubStateDep, clock: ClockDep) -> Principal | None:
    with state.session_factory() as session:
        return session_principal(session, request, clock.now())


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _guard(
    request: Request, state: HubStateDep, clock: ClockDep, roles: frozenset[Role]
) -> Principal | Response:
    principal = _signed_in(request, state, clock)
    if principal is None:
        return _to_login(request)
    if principal.role not in roles:
        return _page(request, "forbidden.html", principal, status_code=403)
    return principal


async def _form(request: Request) -> dict[str, str]:
    """A small url-encoded form (the first value of each field); no multipart needed."""
    body = await request.body()
    text = body[:MAX_FORM_BYTES].decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(text).items()}


def _local(target: str | None) -> str:
    """Only a path on this hub: an open redirect to another site would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, state: HubStateDep, clock: ClockDep) -> Response:
    target = _local(request.query_params.get("next"))
    if _signed_in(request, state, clock) is not None:
        return RedirectResponse(target, status_code=303)
    return _page(request, "login.html", None, next=target, error=None, user_id="")


@router.post("/login")
async def login(
    request: Request, state: HubStateDep, clock: ClockDep, attempts: AttemptsDep
) -> Response:
    origin = request.headers.get("origin")
    if origin and origin != str(request.base_url).rstrip("/"):
        # Another site posting our form (login CSRF): browsers always send Origin on a POST.
        return Response("sign-in is only accepted from the hub's own page", status_code=403)
    form = await _form(request)
    target = _local(form.get("next"))
    user_id, password = form.get("user", ""), form.get("password", "")
    with state.session_factory() as session:
        result = sign_in(
            session,
            attempts,
            user_id=user_id,
            password=password,
            address=client_address(request),
            now=clock.now(),
        )
    if result.token is None:
        status = 429 if result.retry_after_s is not None else 401
        response = _page(
            request,
            "login.html",
            None,
            status_code=status,
            next=target,
            error=result.error,
            user_id=user_id[:63],
        )
        if result.retry_after_s is not None:
            response.headers["Retry-After"] = str(result.retry_after_s)
        return response
    signed_in = RedirectResponse(target, status_code=303)
    set_session_cookies(signed_in, request, result.token)
    return signed_in


@router.post("/logout")
async def logout(request: Request, state: HubStateDep, clock: ClockDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    form = await _form(request)
    if token and not csrf_matches(token, form.get("csrf")):
        return Response("sign-out needs the page's CSRF value", status_code=403)
    if token:
        with state.session_factory() as session:
            sign_out(session, token, clock.now())
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookies(response)
    return response


@router.get("/")
def floor_view(request: Request, state: HubStateDep, clock: ClockDep) -> Response:
    principal = _signed_in(request, state, clock)
    if principal is not None and principal.role is M:
        return RedirectResponse("/me", status_code=303)  # a member's home is their work
    checked = _guard(request, state, clock, ROLES_OF["/"])
    if isinstance(checked, Response):
        return checked
    return _page(request, "floors.html", checked, page="floors")


@router.get("/rooms/{room_id}")
def room_page(request: Request, room_id: RoomId, state: HubStateDep, clock: ClockDep) -> Response:
    checked = _guard(request, state, clock, ROLES_OF["/"])
    if isinstance(checked, Response):
        return checked
    return _page(request, "room.html", checked, page="room", room_id=room_id)


@router.get("/display/{room_id}")
def door_display(
    request: Request, room_id: RoomId, state: HubStateDep, clock: ClockDep
) -> Response:
    checked = _guard(request, state, clock, ROLES_OF["/"])
    if isinstance(checked, Response):
        return checked
    return _page(request, "display.html", checked, page="display", room_id=room_id)


def _plain_page(path: str, template: str, page: str) -> None:
    """A page with nothing in its path: the caller's role decides, the page's script the rest."""

    def show(request: Request, state: HubStateDep, clock: ClockDep) -> Response:
        checked = _guard(request, state, clock, ROLES_OF[path])
        if isinstance(checked, Response):
            return checked
        return _page(request, template, checked, page=page)

    show.__name__ = f"{page}_page"
    router.get(path)(show)


_plain_page("/analytics", "analytics.html", "analytics")
_plain_page("/alerts", "alerts.html", "alerts")
_plain_page("/me", "me.html", "me")
