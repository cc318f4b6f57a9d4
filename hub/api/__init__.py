"""The REST API, one router per resource, all under /api/v1 and all authenticated.

Only ``/healthz``, ``/docs`` and ``/openapi.json`` answer without a token.
"""

from fastapi import APIRouter, Depends

from hub.api import (
    action_items,
    alerts,
    analytics,
    bookings,
    calendars,
    checkin,
    departments,
    desks,
    devices,
    ingest,
    meetings,
    minutes,
    occupancy,
    org,
    reports,
    rooms,
    sandbox,
    space_bookings,
    stream,
    timeseries,
    tokens,
    users,
    utilization,
    voice,
)
from hub.api.common import reject_nul
from hub.api.errors import COMMON_RESPONSES

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(
        prefix=API_PREFIX, responses=COMMON_RESPONSES, dependencies=[Depends(reject_nul)]
    )
    for module in (
        users,
        tokens,
        departments,
        org,
        rooms,
        desks,
        occupancy,
        utilization,
        analytics,
        devices,
        ingest,
        stream,
        bookings,
        space_bookings,
        calendars,
        checkin,
        timeseries,
        minutes,
        meetings,
        action_items,
        voice,
        sandbox,
        alerts,
        reports,
    ):
        router.include_router(module.router)
    return router
