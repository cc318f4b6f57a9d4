"""``python -m hub sandbox --plan plan.yaml``: a what-if run from the command line.

Replays every room's and desk's history (an operator with the database sees all of it) and
prints the unchanged plan beside the changed one. Output per GUIDE section 10: ``--json``
prints the same document as ``POST /api/v1/sandbox/runs`` and nothing else on stdout; exit
1 for a plan or period that cannot be used (every problem on stderr), 2 for wrong usage.
"""

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from common.clock import SystemClock
from hub.db.engine import make_engine, make_session_factory
from hub.sandbox.load import EVERYTHING
from hub.sandbox.plan import PlanError
from hub.sandbox.replay import PlanFigures
from hub.sandbox.service import DEFAULT_WAIT_MIN, PeriodError, SandboxRun, run_sandbox


def read_plan(path: Path) -> object:
    """The parsed YAML (or JSON) document; ValueError with the file and line otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the plan {path}: {error}") from None
    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise ValueError(f"{where}: not valid YAML: {problem}") from None


def parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        if len(text) != len("2026-04-01"):  # fromisoformat also reads 20260401
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{option} {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-04-01"
        ) from None


def sandbox_command(
    plan: Annotated[
        Path,
        typer.Option("--plan", help="The plan change: a YAML (or JSON) file, see docs/sandbox.md."),
    ],
    first: Annotated[
        str | None,
        typer.Option("--from", help="First local date (YYYY-MM-DD); default: last full quarter."),
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="The local date after the period (YYYY-MM-DD).")
    ] = None,
    max_wait: Annotated[
        int, typer.Option("--max-wait", help="Minutes a meeting may wait for a room.")
    ] = DEFAULT_WAIT_MIN,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Replay a period's meetings and desk use against a changed room plan."""
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    try:
        document = read_plan(plan)
        first_day, last_day = parse_day(first, "--from"), parse_day(last, "--to")
    except ValueError as error:
        fail(str(error))
    settings = prepared_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            result = run_sandbox(
                session,
                document,
                scope=EVERYTHING,
                now=SystemClock().now(),
                first=first_day,
                last=last_day,
                max_wait_min=max_wait,
            )
    except PeriodError as error:
        fail(str(error))
    except PlanError as error:
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        fail(f"{plan}: the plan cannot be applied:\n{lines}")
    finally:
        engine.dispose()
    if json_output:
        print(json.dumps(TypeAdapter(SandboxRun).dump_python(result, mode="json")))
    else:
        print(render(result))


def render(run: SandboxRun) -> str:
    """The run for people: totals side by side, then rooms and desk floors."""
    lines = [
        f"What-if replay {run.first} to {run.last} ({run.timezone}), "
        f"{run.replayed} held meetings, waits up to {run.max_wait_min} min",
        "",
        f"{'':22}{'baseline':>10}{'changed':>10}",
    ]
    before, after = run.baseline.totals, run.changed.totals
    for label, key in (
        ("fit in place", "fit"),
        ("moved", "moved"),
        ("waited", "waited"),
        ("wait minutes (total)", "wait_minutes_total"),
        ("unserved", "unserved"),
    ):
        lines.append(f"{label:22}{_cell(getattr(before, key)):>10}{_cell(getattr(after, key)):>10}")
    if after.withheld:
        lines.append(f"({after.withheld})")
    lines += ["", "Rooms in the changed plan:", *_rooms(run.changed, run.min_group)]
    lines += ["", "Desks per floor (baseline -> changed):"]
    for old, new in zip(run.baseline.desk_floors, run.changed.desk_floors, strict=True):
        lines.append(
            f"  {new.id}: {old.desks} -> {new.desks} desks, at most {new.peak_in_use} in use "
            f"at once; {new.days_over} of {new.days} days over (baseline {old.days_over})"
        )
    return "\n".join(lines)


def _rooms(figures: PlanFigures, min_group: int) -> list[str]:
    out = []
    for row in figures.rooms:
        seats = "gone" if row.capacity is None else f"{row.capacity} seats"
        head = f"  {row.room_id} ({row.fate}, {seats}): {row.meetings} booked"
        if row.fit is not None:
            moved = ", ".join(f"{n} to {room}" for room, n in (row.moved_to or {}).items())
            head += (
                f", {row.fit} fit, {row.moved} moved{f' ({moved})' if moved else ''}, "
                f"{row.waited} waited, {row.unserved} unserved"
            )
        elif row.meetings:
            head += f" (fewer than {min_group}: where they went is not shown)"
        if row.hosted is not None:
            head += f"; hosted {row.hosted} ({row.hosted_hours} h)"
        out.append(head)
    return out


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)
