"""Error answers: one shape (``{"detail": ...}``) and documented in the OpenAPI.

Bad input is the client's to fix and never a 500: :class:`InputError` from the
shared user logic becomes its 4xx, and a database constraint hit by a race
(two requests creating the same thing) becomes a 409. Every answer a route can
give is listed in its OpenAPI ``responses`` (clients and the schemathesis test
rely on that): :data:`COMMON_RESPONSES` on every ``/api/v1`` route, and
:data:`NOT_FOUND`, :data:`CONFLICT` and :data:`BAD_BODY` where they apply.
"""

from typing import Any

from fastapi import FastAPI, Request, routing, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path, get_route_path

from hub.auth.users import InputError


class ErrorOut(BaseModel):
    detail: str


class Problem(BaseModel):
    """One problem FastAPI found while validating the request."""

    loc: list[str | int] = Field(description='Where, e.g. ["query", "limit"].')
    msg: str
    type: str


class InputErrorOut(BaseModel):
    detail: str | list[Problem] = Field(
        description="What to change: a message, or the list of problems request validation found."
    )


def _error(description: str, model: type[BaseModel] = ErrorOut) -> dict[str, Any]:
    return {"model": model, "description": description}


# Added to every /api/v1 route so clients see these answers in the OpenAPI.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("No token, or an invalid, expired or revoked one."),
    403: _error("Your role may not use this endpoint."),
    422: _error("Bad input; `detail` says what to change.", InputErrorOut),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: _error("It does not exist, or it is outside your department (the answers are the same).")
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _error("It already exists, or the change would lock every admin out.")
}
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: _error("The body could not be parsed at all (e.g. JSON nested thousands deep).")
}
TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        **_error("Too many sign-in tries or wrong passwords: wait `Retry-After` seconds."),
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
}


async def _input_error(_: Request, error: Exception) -> JSONResponse:
    code = error.status if isinstance(error, InputError) else status.HTTP_422_UNPROCESSABLE_CONTENT
    return JSONResponse({"detail": str(error)}, status_code=code)


async def _integrity_error(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "this conflicts with data that already exists (was it just created?)"},
        status_code=status.HTTP_409_CONFLICT,
    )


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """The methods of every route whose path matches ``path``."""
    # FastAPI >= 0.16x keeps included routers nested; iter_route_contexts gives their full paths.
    iterate = getattr(routing, "iter_route_contexts", None)
    methods: set[str] = set()
    for route in iterate(app.routes) if iterate else app.routes:
        route_path = getattr(route, "path", None)
        route_methods = getattr(route, "methods", None)
        if route_path and route_methods and compile_path(route_path)[0].match(path):
            methods.update(route_methods)
    return methods


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        # Starlette names only the first route that matched the path; RFC 9110 wants them all.
        methods = allowed_methods(request.app, get_route_path(request.scope))
        if methods:
            headers = dict(error.headers or {})
            headers["Allow"] = ", ".join(sorted(methods))
            error = StarletteHTTPException(error.status_code, error.detail, headers)
    return await http_exception_handler(request, error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
