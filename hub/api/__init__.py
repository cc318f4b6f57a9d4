"""The REST API, one router per resource, all under /api/v1 and all authenticated.

Only ``/healthz``, ``/docs``, ``/openapi.json`` and signing in (``/api/v1/auth/*``) answer
without a token.
"""

from fastapi import APIRouter, Depends

from hub.api import (
    action_items,
    alerts,
    analytics,
    audit,
    auth,
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
    releases,
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
from hub.api.common import reject_nul, reject_nul_before_sign_in
from hub.api.errors import COMMON_RESPONSES

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    root = APIRouter(prefix=API_PREFIX, responses=COMMON_RESPONSES)
    # Signing in (/auth/*) is the one part called without a token.
    root.include_router(auth.router, dependencies=[Depends(reject_nul_before_sign_in)])
    router = APIRouter(dependencies=[Depends(reject_nul)])
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
        audit,
        releases,
    ):
        router.include_router(module.router)
    root.include_router(router)
    return root
