"""Putting the hardening on an app: docs, CORS, body limit, headers, no traceback in a 500.

``create_app`` asks :func:`docs_urls` what to give FastAPI's constructor and calls
:func:`install_hardening` once the routes are in. What each piece does and why:
docs/security.md, "Retention, k-anonymity and hardening".
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from hub.auth.cookies import CSRF_HEADER
from hub.hardening.body_limit import BodyLimit
from hub.hardening.docs import admin_docs_router
from hub.hardening.headers import SecurityHeaders
from hub.settings import Settings

log = logging.getLogger(__name__)


def docs_urls(settings: Settings) -> dict[str, Any]:
    """FastAPI's own docs routes: only when the docs are public (never ReDoc)."""
    public = settings.docs_mode == "public"
    return {
        "docs_url": "/docs" if public else None,
        "openapi_url": "/openapi.json" if public else None,
        "redoc_url": None,
        "swagger_ui_oauth2_redirect_url": None,
        "debug": False,  # never a traceback in an answer, whatever Starlette's default
    }


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    # The traceback goes to the log (uvicorn logs the exception); the client gets one line.
    return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)


def install_hardening(app: FastAPI, settings: Settings) -> None:
    if settings.docs_mode == "admin":
        app.include_router(admin_docs_router(app))
    app.add_exception_handler(Exception, _internal_error)
    # Added innermost first: CORS answers preflights before anything else, and every answer
    # (a 413 too) gets the security headers.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            # Bearer tokens only: the dashboard's cookie never works from another origin.
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", CSRF_HEADER],
        )
    if settings.env == "production" and settings.docs_mode == "public":
        log.warning("QUORUM_API_DOCS=public in production: the API schema is open to anyone")
