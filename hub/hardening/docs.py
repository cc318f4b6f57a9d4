"""The API docs (/docs, /openapi.json) for admins only: production's default.

FastAPI's own docs routes are public; in ``admin`` mode they are turned off and these take
their place, behind the same check as every admin endpoint (a bearer token, or the web
dashboard's session cookie, of an admin; hub.auth.dependencies). Swagger UI in a browser
where an admin is signed in to the dashboard fetches the schema with that cookie.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from hub.auth.dependencies import require_roles
from hub.auth.roles import Principal, Role

AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def admin_docs_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    def openapi(_: AdminOnly) -> JSONResponse:
        return JSONResponse(app.openapi())

    @router.get("/docs")
    def docs(_: AdminOnly) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - API")

    return router
