"""What the running app holds, and the FastAPI dependencies that hand it out.

``create_app``'s lifespan builds one :class:`HubState` and puts it on
``app.state.hub``; routers never reach for it directly but declare the
``Annotated`` aliases below, so tests can swap any piece with
``app.dependency_overrides`` (for example ``get_app_settings`` or ``get_clock``).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.live import LiveFeed
from hub.settings import Settings

if TYPE_CHECKING:  # hub.metrics.endpoint imports this module
    from hub.metrics.endpoint import HubMetrics


class IngestRunner(Protocol):
    """The part of ``hub.ingest.service.IngestService`` the app uses."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def stats(self) -> Any: ...


class Background(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class HubState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    live: LiveFeed
    ingest: IngestRunner | None = None
    # The bookings loop (check-in, release, notices): hub.checkin.wiring.BookingsService.
    bookings: Background | None = None
    # The time-series exporter (hub.timeseries.service.TimeSeriesService), when configured.
    timeseries: Background | None = None
    # The alerts loop (hub.alerts.runner.AlertsRunner), unless QUORUM_ALERTS_ENABLED=false.
    alerts: Background | None = None
    # Scheduled reports (hub.reports.runner.ReportsRunner), unless QUORUM_REPORTS_ENABLED=false.
    reports: Background | None = None
    # The retention job (hub.retention.runner.RetentionRunner), unless
    # QUORUM_RETENTION_ENABLED=false.
    retention: Background | None = None
    # The Home Assistant bridge (hub.homeassistant.service), when QUORUM_HOMEASSISTANT_ENABLED.
    homeassistant: Background | None = None
    # Software rollouts (hub.releases.runner.RolloutsRunner), when ingest runs.
    rollouts: Background | None = None
    # Configuration push (hub.configs.push), when ingest runs.
    config_push: Background | None = None
    # GET /metrics (hub.metrics.endpoint.HubMetrics): the registry every scrape renders.
    metrics: "HubMetrics | None" = None


class NotStarted(RuntimeError):
    """The app was used without its lifespan (TestClient not used as a context manager)."""


def get_hub_state(request: Request) -> HubState:
    state = getattr(request.app.state, "hub", None)
    if state is None:
        raise NotStarted("the hub's lifespan has not run: use TestClient(app) as a context manager")
    return state


HubStateDep = Annotated[HubState, Depends(get_hub_state)]


def get_app_settings(state: HubStateDep) -> Settings:
    return state.settings


def get_clock(state: HubStateDep) -> Clock:
    return state.clock


def get_live(state: HubStateDep) -> LiveFeed:
    return state.live


def get_ingest(state: HubStateDep) -> IngestRunner | None:
    return state.ingest


def get_session(state: HubStateDep) -> Iterator[Session]:
    # One session per request; writers commit explicitly, everything else is rolled back.
    with state.session_factory() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
LiveDep = Annotated[LiveFeed, Depends(get_live)]
IngestDep = Annotated[IngestRunner | None, Depends(get_ingest)]
SessionDep = Annotated[Session, Depends(get_session)]
