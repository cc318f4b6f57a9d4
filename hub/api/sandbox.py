"""What-if sandbox: replay a period's meetings and desk use against a changed room plan.

Staff only. Facilities staff replay and change only their department's and shared rooms
(and their desks): a room outside that is unknown to them, exactly like a missing one. The
body is the plan document (docs/sandbox.md); a plan that cannot be applied is a 400 listing
every problem; a bad period is a 422. Nothing is stored: the answer is the run.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, status
from pydantic import BaseModel, Field

from hub.api.common import Day, Staff, bad_input
from hub.api.errors import InputErrorOut
from hub.sandbox.load import scope_of
from hub.sandbox.plan import (
    AddDesks,
    AddRoom,
    PlanError,
    RemoveDesks,
    RemoveRoom,
    SetCapacity,
    Split,
)
from hub.sandbox.service import DEFAULT_WAIT_MIN, MAX_WAIT_MIN, PeriodError, SandboxRun, run_sandbox
from hub.state import ClockDep, SessionDep

router = APIRouter(prefix="/sandbox", tags=["sandbox"])


class PlanIn(BaseModel):
    """The plan document (for the OpenAPI only: the hub checks it itself, for clear 400s)."""

    changes: list[Split | RemoveRoom | AddRoom | SetCapacity | RemoveDesks | AddDesks] = Field(
        min_length=1
    )


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` put in place (the plan's models are not recursive)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


EXAMPLE = {
    "changes": [
        {
            "split": "hq-f2-cosmos",
            "into": [
                {"id": "hq-f2-cosmos-a", "capacity": 6},
                {"id": "hq-f2-cosmos-b", "capacity": 6},
            ],
        },
        {"remove_desks": {"floor": "hq-main-f2"}},
    ]
}
PLAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": _inlined(PlanIn.model_json_schema()),
                "examples": {"split": {"value": EXAMPLE}},
            }
        },
    }
}


@router.post(
    "/runs",
    summary="Replay a period against a changed room plan, beside the plan as it is",
    responses={
        400: {
            "model": InputErrorOut,
            "description": "The plan cannot be applied; `detail` lists each problem and where.",
        }
    },
    openapi_extra=PLAN_BODY,
)
def create_run(
    caller: Staff,
    session: SessionDep,
    clock: ClockDep,
    plan: Annotated[Any, Body()],
    first: Annotated[
        Day | None,
        Query(
            alias="from",
            description="First local date to replay; default: the last full quarter before now",
        ),
    ] = None,
    last: Annotated[
        Day | None,
        Query(alias="to", description="The local date after the period (exclusive)"),
    ] = None,
    max_wait_min: Annotated[
        int,
        Query(ge=0, le=MAX_WAIT_MIN, description="How long a meeting may wait for a room"),
    ] = DEFAULT_WAIT_MIN,
) -> SandboxRun:
    try:
        return run_sandbox(
            session,
            plan,
            scope=scope_of(session, caller),
            now=clock.now(),
            first=first,
            last=last,
            max_wait_min=max_wait_min,
        )
    except PeriodError as error:
        raise bad_input(str(error)) from None
    except PlanError as error:
        problems = [
            {"loc": ["body", *p.loc], "msg": f"{p}", "type": "invalid_plan"} for p in error.problems
        ]
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=problems) from None
