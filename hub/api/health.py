"""Liveness for load balancers and process supervisors: no token, no data."""

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", summary="Is the hub up?")
def healthz() -> Health:
    return Health(status="ok")
