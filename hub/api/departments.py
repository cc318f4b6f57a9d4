"""Departments: admins see and create all; facilities staff see their own."""

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from contract.ids import ID_PATTERN
from hub.api.common import Admin, Label, Staff
from hub.api.errors import BAD_BODY, CONFLICT
from hub.audit.actors import record_api
from hub.auth.scope import visible_department_ids
from hub.db.models import Department
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["organisation"])


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, examples=["engineering"])
    name: Label = Field(examples=["Engineering"])


@router.get("/departments", summary="List departments")
def list_departments(caller: Staff, session: SessionDep) -> list[DepartmentOut]:
    query = select(Department).order_by(Department.id)
    visible = visible_department_ids(caller)
    if visible is not None:
        query = query.where(Department.id.in_(visible))
    return [DepartmentOut.model_validate(d) for d in session.scalars(query)]


@router.post(
    "/departments",
    status_code=status.HTTP_201_CREATED,
    summary="Create a department",
    responses={**CONFLICT, **BAD_BODY},
)
def create_department(
    caller: Admin, body: DepartmentCreate, request: Request, session: SessionDep, clock: ClockDep
) -> DepartmentOut:
    if session.get(Department, body.id) is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"department {body.id!r} already exists"
        )
    department = Department(id=body.id, name=body.name)
    session.add(department)
    record_api(
        session,
        request,
        caller,
        action="department.create",
        target=f"department:{body.id}",
        details={"name": body.name},
        now=clock.now(),
    )
    session.commit()
    return DepartmentOut.model_validate(department)
