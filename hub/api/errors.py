"""Error answers: one shape (``{"detail": ...}``) and documented in the OpenAPI.

Bad input is the client's to fix and never a 500: :class:`InputError` from the
shared user logic becomes its 4xx, and a database constraint hit by a race
(two requests creating the same thing) becomes a 409.
"""

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from hub.auth.users import InputError


class ErrorOut(BaseModel):
    detail: str


# Added to every /api/v1 route so clients see these answers in the OpenAPI.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No token, or an invalid, expired or revoked one."},
    403: {"model": ErrorOut, "description": "Your role may not use this endpoint."},
}


async def _input_error(_: Request, error: Exception) -> JSONResponse:
    code = error.status if isinstance(error, InputError) else status.HTTP_422_UNPROCESSABLE_CONTENT
    return JSONResponse({"detail": str(error)}, status_code=code)


async def _integrity_error(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "this conflicts with data that already exists (was it just created?)"},
        status_code=status.HTTP_409_CONFLICT,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
