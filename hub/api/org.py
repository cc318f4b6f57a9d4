"""Sites (with their holiday calendars), buildings and floors.

They come from the terminal configuration files; only holidays are edited
through the API. Facilities staff see the parts of the organisation that
hold a room they may see (hub.auth.scope).
"""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.common import Admin, Day, Staff, not_found
from hub.api.errors import BAD_BODY, CONFLICT, NOT_FOUND
from hub.audit.actors import record_api
from hub.auth.roles import Principal
from hub.auth.scope import visible_building_ids, visible_floor_ids, visible_site_ids
from hub.db.models import Building, Floor, Site, SiteHoliday
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["organisation"])


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str


class BuildingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    site_id: str
    name: str


class FloorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    building_id: str
    name: str
    level: int


class HolidayOut(BaseModel):
    site_id: str
    date: dt.date
    name: str


class HolidayCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: Day = Field(description="YYYY-MM-DD, a day without working hours at this site.")
    name: str = Field(default="", max_length=200, examples=["New Year's Day"])


def _visible_site(session: Session, caller: Principal, site_id: str) -> Site:
    site = session.get(Site, site_id)
    visible = visible_site_ids(session, caller)
    if site is None or (visible is not None and site_id not in visible):
        raise not_found("site", site_id)
    return site


@router.get("/sites", summary="List sites")
def list_sites(caller: Staff, session: SessionDep) -> list[SiteOut]:
    query = select(Site).order_by(Site.id)
    visible = visible_site_ids(session, caller)
    if visible is not None:
        query = query.where(Site.id.in_(visible))
    return [SiteOut.model_validate(s) for s in session.scalars(query)]


@router.get("/sites/{site_id}/holidays", summary="A site's holidays", responses=NOT_FOUND)
def list_holidays(
    caller: Staff,
    site_id: str,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=1970, le=2200, description="Only this year.")] = None,
) -> list[HolidayOut]:
    _visible_site(session, caller, site_id)
    query = select(SiteHoliday).where(SiteHoliday.site_id == site_id).order_by(SiteHoliday.day)
    if year is not None:
        query = query.where(
            SiteHoliday.day >= dt.date(year, 1, 1), SiteHoliday.day <= dt.date(year, 12, 31)
        )
    return [HolidayOut(site_id=h.site_id, date=h.day, name=h.name) for h in session.scalars(query)]


@router.post(
    "/sites/{site_id}/holidays",
    status_code=status.HTTP_201_CREATED,
    summary="Add a holiday",
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
def add_holiday(
    caller: Admin,
    site_id: str,
    body: HolidayCreate,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
) -> HolidayOut:
    _visible_site(session, caller, site_id)
    if session.get(SiteHoliday, (site_id, body.date)) is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"{body.date} is already a holiday at {site_id!r}"
        )
    session.add(SiteHoliday(site_id=site_id, day=body.date, name=body.name.strip()))
    record_api(
        session,
        request,
        caller,
        action="holiday.create",
        target=f"site:{site_id}",
        details={"date": body.date.isoformat(), "name": body.name.strip()},
        now=clock.now(),
    )
    session.commit()
    return HolidayOut(site_id=site_id, date=body.date, name=body.name.strip())


@router.delete(
    "/sites/{site_id}/holidays/{day}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a holiday",
    responses=NOT_FOUND,
)
def delete_holiday(
    caller: Admin, site_id: str, day: Day, request: Request, session: SessionDep, clock: ClockDep
) -> Response:
    _visible_site(session, caller, site_id)
    holiday = session.get(SiteHoliday, (site_id, day))
    if holiday is None:
        raise not_found("holiday", f"{site_id}/{day}")
    session.delete(holiday)
    record_api(
        session,
        request,
        caller,
        action="holiday.delete",
        target=f"site:{site_id}",
        details={"date": day.isoformat(), "name": holiday.name},
        now=clock.now(),
    )
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/buildings", summary="List buildings")
def list_buildings(
    caller: Staff, session: SessionDep, site_id: str | None = None
) -> list[BuildingOut]:
    query = select(Building).order_by(Building.id)
    visible = visible_building_ids(session, caller)
    if visible is not None:
        query = query.where(Building.id.in_(visible))
    if site_id is not None:
        query = query.where(Building.site_id == site_id)
    return [BuildingOut.model_validate(b) for b in session.scalars(query)]


@router.get("/floors", summary="List floors")
def list_floors(
    caller: Staff, session: SessionDep, building_id: str | None = None
) -> list[FloorOut]:
    query = select(Floor).order_by(Floor.level, Floor.id)
    visible = visible_floor_ids(session, caller)
    if visible is not None:
        query = query.where(Floor.id.in_(visible))
    if building_id is not None:
        query = query.where(Floor.building_id == building_id)
    return [FloorOut.model_validate(f) for f in session.scalars(query)]
