"""FastAPI dependencies for authentication (401) and role checks (403).

Every router under /api/v1 declares ``require_roles(...)``; the access-matrix
test enumerates the app's routes, so an endpoint without a role check fails it.
A bearer token wins; without one, the web dashboard's session cookie is accepted
(hub.auth.cookies), with a CSRF header on every request that may change something.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.auth.cookies import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, csrf_matches
from hub.auth.roles import Principal, Role
from hub.auth.tokens import authenticate
from hub.state import ClockDep, HubStateDep

# auto_error=False: we answer 401 with WWW-Authenticate ourselves, for every failure alike.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API token: `Authorization: Bearer <token>`.",
)


def unauthorized(detail: str, *, invalid: bool = False) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": challenge}
    )


def current_principal(
    request: Request,
    state: HubStateDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    by_cookie = False
    if credentials is not None and credentials.scheme.lower() == "bearer":
        token = credentials.credentials
    elif "authorization" not in request.headers and request.cookies.get(SESSION_COOKIE):
        token, by_cookie = request.cookies[SESSION_COOKIE], True
    else:
        raise unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    # A short session of its own, so the stream endpoint does not hold one open.
    with state.session_factory() as session:
        principal = authenticate(session, token, clock.now())
    if principal is None:
        raise unauthorized("invalid, expired or revoked token, or inactive user", invalid=True)
    if (
        by_cookie
        and request.method not in SAFE_METHODS
        and not csrf_matches(token, request.headers.get(CSRF_HEADER))
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"signed in by cookie: send the {CSRF_HEADER} header (docs/api.md)",
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only ``roles`` through (403 for other authenticated callers)."""
    allowed = frozenset(roles)

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role.value!r} may not use this endpoint",
            )
        return principal

    return check
