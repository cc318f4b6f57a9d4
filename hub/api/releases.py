"""Software releases and rollouts (docs/fleet.md), and the terminals' download endpoint.

``/api/v1/releases`` and ``/api/v1/rollouts`` are for admins: which terminal software runs
where is a matter for the whole fleet, not one department. Starting, promoting and halting
rollouts is done with ``python -m hub releases``. ``/releases/download/{token}`` is outside
``/api/v1``: terminals have no API account, the token in the URL (sent in their update
command) is the permission, and an unknown, expired or used-up token is 404.
"""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.common import MAX_ROW_ID, Admin, UtcTime, not_found
from hub.api.errors import NOT_FOUND, ErrorOut
from hub.db.release_models import Rollout
from hub.releases.downloads import DOWNLOAD_PATH, claim_download
from hub.releases.rollouts import rollout_status
from hub.releases.store import artifact_path, list_releases
from hub.state import ClockDep, SessionDep, SettingsDep

router = APIRouter(tags=["releases"])
download_router = APIRouter(tags=["releases"])

RolloutId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


class ReleaseOut(BaseModel):
    version: str
    filename: str
    kind: str = Field(description="wheel or bundle")
    sha256: str
    size_bytes: int
    contract_version: int = Field(description="The message contract version it speaks.")
    requires_python: str | None
    notes: str | None
    added_at: UtcTime
    added_by: str


class RolloutDeviceOut(BaseModel):
    device_id: str
    room_id: str
    canary: bool
    state: str = Field(
        description="pending, sent, accepted, installed, healthy, failed, rolled_back, "
        "timed_out or skipped"
    )
    reason: str | None = Field(description="Why it failed or rolled back (a short code).")
    detail: str | None
    from_version: str | None
    software_version: str | None = Field(description="What the terminal runs now (its status).")
    online: bool
    sent_at: UtcTime | None
    reported_at: UtcTime | None = Field(description="Terminal time of its newest report.")


class RolloutOut(BaseModel):
    id: int
    version: str
    state: str = Field(description="canary, rolling, halted or completed")
    halted_reason: str | None
    waiting_for: str | None = Field(description="What it waits for, when it waits for you.")
    canary_size: int
    batch_size: int
    auto_promote: bool
    health_timeout_s: float
    reply_timeout_s: float
    created_at: UtcTime
    created_by: str
    updated_at: UtcTime
    finished_at: UtcTime | None
    counts: dict[str, int] = Field(description="Terminals by state.")
    in_flight: int
    devices: list[RolloutDeviceOut]


@router.get("/releases", summary="Releases of the terminal software the hub can hand out")
def get_releases(caller: Admin, session: SessionDep) -> list[ReleaseOut]:
    return [ReleaseOut.model_validate(r, from_attributes=True) for r in list_releases(session)]


@router.get("/rollouts", summary="Rollouts, newest first, with each terminal's state")
def get_rollouts(caller: Admin, session: SessionDep) -> list[RolloutOut]:
    rollouts = session.scalars(select(Rollout).order_by(Rollout.id.desc()).limit(50))
    return [_out(rollout_status(session, r)) for r in rollouts]


@router.get("/rollouts/{rollout_id}", summary="One rollout", responses=NOT_FOUND)
def get_rollout(caller: Admin, rollout_id: RolloutId, session: SessionDep) -> RolloutOut:
    rollout = session.get(Rollout, rollout_id)
    if rollout is None:
        raise not_found("rollout", rollout_id)
    return _out(rollout_status(session, rollout))


def _out(document: dict[str, Any]) -> RolloutOut:
    return RolloutOut.model_validate(document)


@download_router.get(
    f"{DOWNLOAD_PATH}/{{token}}",
    summary="A release file, for the terminal whose update command carried this token",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        404: {"model": ErrorOut, "description": "Unknown, expired or used-up token."},
    },
)
def download_release(
    token: str, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> FileResponse:
    claimed = claim_download(session, token, clock.now())
    if claimed is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such download")
    release, _device = claimed
    path = artifact_path(settings.releases_dir, release)
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="the release file is missing")
    session.commit()  # the download counts against the token's limit
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=release.filename,
        headers={"Cache-Control": "no-store", "X-Content-SHA256": release.sha256},
    )
