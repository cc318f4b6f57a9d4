"""FastAPI dependencies for authentication (401) and role checks (403).

Every router under /api/v1 declares ``require_roles(...)``; the access-matrix
test enumerates the app's routes, so an endpoint without a role check fails it.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
    state: HubStateDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    # A short session of its own, so the stream endpoint does not hold one open.
    with state.session_factory() as session:
        principal = authenticate(session, credentials.credentials, clock.now())
    if principal is None:
        raise unauthorized("invalid, expired or revoked token, or inactive user", invalid=True)
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
