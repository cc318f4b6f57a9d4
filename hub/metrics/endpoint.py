"""``GET /metrics`` in the Prometheus text format, for a scraper holding the metrics token.

The route exists only when ``QUORUM_METRICS_TOKEN`` is set (otherwise ``/metrics`` is a plain
404), and it is left out of the OpenAPI: it is for Prometheus, not for API clients. The token
is a setting of its own, not a hub user's token: Prometheus keeps it in a file for years,
and it gives nothing but these figures. No room names, people or bookings are in them, only
ids of rooms and terminals (docs/metrics.md).
"""

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, status
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from sqlalchemy.orm import Session, sessionmaker

from hub.homeassistant.service import BridgeStatus
from hub.metrics.ingest import IngestMetrics
from hub.metrics.parts import PartsCollector
from hub.metrics.state import DatabaseCollector
from hub.state import HubStateDep


class HubMetrics:
    """One registry per app (tests build many apps; prometheus_client's global one would
    refuse the second)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        # No *_created series next to every counter: Prometheus does not need them here.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        # The Python process itself: memory, CPU, open files, garbage collection.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.ingest = IngestMetrics(self.registry)
        self.registry.register(DatabaseCollector(session_factory))

    def watch(
        self, *, ingest: Callable[[], Any | None], bridge: Callable[[], BridgeStatus | None]
    ) -> None:
        """The running parts of the app, read at every scrape."""
        self.registry.register(PartsCollector(ingest, bridge))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_router(token: str) -> APIRouter:
    expected = f"Bearer {token}".encode()

    def authorized(authorization: Annotated[str | None, Header()] = None) -> None:
        given = (authorization or "").encode()
        if not hmac.compare_digest(given, expected):
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="send Authorization: Bearer <QUORUM_METRICS_TOKEN>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    router = APIRouter(tags=["metrics"])

    @router.get("/metrics", include_in_schema=False, dependencies=[Depends(authorized)])
    def metrics(state: HubStateDep) -> Response:
        if state.metrics is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Not Found")
        return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router
