"""The hub's web application: ``create_app(settings)`` and its lifespan.

The lifespan is the hub's composition root: it builds the store, the clock,
the live feed and the MQTT consumer, hands them to routers through
``app.state.hub`` (see hub.state), and takes them down again on shutdown.
Nothing is built at import time, so every test gets an app of its own.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from common.clock import Clock, SystemClock
from hub.alerts.runner import alerts_runner
from hub.api import api_router
from hub.api.calendars import feed_router as calendar_feed_router
from hub.api.errors import install_error_handlers
from hub.api.health import router as health_router
from hub.api.releases import download_router as release_download_router
from hub.checkin.wiring import bookings_service, policy_from
from hub.configs.push import config_push_runner
from hub.db.engine import make_engine, make_session_factory
from hub.hardening.install import docs_urls, install_hardening
from hub.hardening.redact import protect
from hub.homeassistant.service import homeassistant_service
from hub.live import LiveFeed
from hub.metrics.endpoint import HubMetrics, metrics_router
from hub.releases.runner import rollouts_runner
from hub.reports.runner import reports_runner
from hub.retention.runner import retention_runner
from hub.settings import Settings
from hub.startup import prepare
from hub.state import HubState, IngestRunner
from hub.timeseries.service import build_service as timeseries_service
from hub.web import install_web

log = logging.getLogger(__name__)

#: Builds the MQTT consumer; called with IngestService's keyword arguments.
IngestFactory = Callable[..., IngestRunner]

DESCRIPTION = """\
Rooms and desks with live occupancy, occupancy history, utilization, terminals
and ingest health. Every endpoint under `/api/v1` needs `Authorization: Bearer <token>`;
what you see depends on your role and department (docs/api.md).
"""


def default_ingest_factory(**kwargs: Any) -> IngestRunner:
    # Imported here: an API-only hub (ingest disabled) never loads the MQTT consumer.
    from hub.ingest.service import IngestService

    return IngestService(**kwargs)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    ingest_factory: IngestFactory | None = None,
) -> FastAPI:
    """A new hub app; nothing happens until its lifespan starts (uvicorn or TestClient)."""
    the_clock: Clock = clock if clock is not None else SystemClock()
    protect(settings)  # its secrets never reach a log line (hub/hardening/redact.py)
    make_ingest = ingest_factory if ingest_factory is not None else default_ingest_factory

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await run_in_threadpool(_start, settings, the_clock, make_ingest)
        app.state.hub = state
        try:
            if state.ingest is not None:
                await asyncio.to_thread(state.ingest.start)
            if state.bookings is not None:
                state.bookings.start()
            if state.timeseries is not None:
                state.timeseries.start()
            if state.alerts is not None:
                state.alerts.start()
            if state.reports is not None:
                state.reports.start()
            if state.retention is not None:
                state.retention.start()
            if state.homeassistant is not None:
                state.homeassistant.start()
            if state.rollouts is not None:
                state.rollouts.start()
            if state.config_push is not None:
                state.config_push.start()
            yield
        finally:
            # First: it says "offline" to Home Assistant while the broker is still there.
            if state.homeassistant is not None:
                await asyncio.to_thread(state.homeassistant.stop)
            if state.rollouts is not None:
                await asyncio.to_thread(state.rollouts.stop)
            if state.config_push is not None:
                await asyncio.to_thread(state.config_push.stop)
            if state.retention is not None:
                await asyncio.to_thread(state.retention.stop)
            if state.reports is not None:
                await asyncio.to_thread(state.reports.stop)
            if state.alerts is not None:
                await asyncio.to_thread(state.alerts.stop)
            if state.timeseries is not None:
                await asyncio.to_thread(state.timeseries.stop)
            if state.bookings is not None:
                await asyncio.to_thread(state.bookings.stop)
            # stop() drains and commits what was received, which may take a moment.
            if state.ingest is not None:
                await asyncio.to_thread(state.ingest.stop)
            state.engine.dispose()
            app.state.hub = None

    app = FastAPI(
        title="Quorum hub",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # /docs and /openapi.json: public in development, admins only in production; no
        # ReDoc, no OAuth2 page, never debug (hub/hardening/install.py).
        **docs_urls(settings),
    )
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(api_router())
    # The ICS feed authenticates by the token in its URL, so it is outside /api/v1.
    app.include_router(calendar_feed_router)
    # Terminals fetch releases by the token in the URL (docs/fleet.md): outside /api/v1 too.
    app.include_router(release_download_router)
    # Prometheus (docs/metrics.md): only with a token to check; outside the OpenAPI.
    if settings.metrics_token is not None:
        app.include_router(metrics_router(settings.metrics_token.get_secret_value()))
    # The web dashboard (docs/dashboard.md): pages at /, /login, ...; files under /static.
    install_web(app)
    # Body limit, security headers, CORS allow-list, no traceback in a 500 (docs/security.md).
    install_hardening(app, settings)
    return app


def _start(settings: Settings, clock: Clock, make_ingest: IngestFactory) -> HubState:
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    try:
        session_factory = make_session_factory(engine)
        prepare(settings, session_factory, clock)
        live = LiveFeed()
        metrics = HubMetrics(session_factory)
        ingest = None
        if settings.ingest_enabled:
            ingest = make_ingest(
                session_factory=session_factory,
                broker=settings.broker_address(),
                prefix=settings.mqtt_prefix,
                client_id=settings.client_id,
                share_group=settings.ingest_share_group or None,
                live=live,
                clock=clock,
                batch_size=settings.ingest_batch_size,
                batch_delay_s=settings.ingest_batch_delay_s,
                receive_maximum=settings.ingest_receive_maximum,
                voice_policy=policy_from(settings),
                metrics=metrics.ingest,
            )
        alerts = alerts_runner(settings, session_factory, clock, live)
        homeassistant = homeassistant_service(settings, session_factory, clock, live)
        metrics.watch(
            ingest=lambda: ingest,
            bridge=lambda: homeassistant.status() if homeassistant is not None else None,
        )
    except BaseException:
        engine.dispose()
        raise
    return HubState(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        clock=clock,
        live=live,
        ingest=ingest,
        bookings=bookings_service(settings, session_factory, clock, live),
        timeseries=timeseries_service(settings, session_factory, clock),
        alerts=alerts,
        reports=reports_runner(settings, session_factory, clock),
        retention=retention_runner(settings, session_factory, clock),
        homeassistant=homeassistant,
        metrics=metrics,
        # Software rollouts send their commands on the ingest's broker connection.
        rollouts=rollouts_runner(
            settings, session_factory, clock, getattr(ingest, "publish_command", None)
        ),
        # Configuration push (docs/fleet.md): on the ingest's broker connection too.
        config_push=config_push_runner(
            settings, session_factory, clock, getattr(ingest, "publish_command", None)
        ),
    )
