"""The web dashboard: server-rendered pages, small vanilla JavaScript and CSS (docs/dashboard.md).

- :mod:`hub.web.session`: signing in with a password and out again (cookies, CSRF value).
- :mod:`hub.web.pages`: the routes: sign-in, floor view, room page, door display, analytics,
  alerts and "my work". Pages are shells; their scripts read everything from the REST API
  with the session cookie, so each role sees exactly what the API lets it see.
- ``templates/`` (Jinja2) and ``static/`` (JS, CSS): all served by the hub, nothing from a CDN.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent


def install_web(app: FastAPI) -> None:
    """Add the dashboard's pages and its static files to ``app``."""
    from hub.web.pages import router

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
