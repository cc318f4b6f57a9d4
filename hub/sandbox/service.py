"""One what-if run, as the API and the command line ask for it: check the plan and period,
load the period from the store, replay it through both plans, and say what was replayed.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from hub.analytics.k_anonymity import MIN_GROUP
from hub.sandbox.held import Skipped, held_meetings
from hub.sandbox.layout import apply_plan
from hub.sandbox.load import Scope, load_desk_days, load_inventory, load_occurrences
from hub.sandbox.model import PEOPLE_SOURCES
from hub.sandbox.period import bounds, resolve_period, site_zone
from hub.sandbox.plan import parse_plan
from hub.sandbox.replay import Difference, PlanFigures, compare

DEFAULT_WAIT_MIN = 30
MAX_WAIT_MIN = 24 * 60
#: Dates a run accepts (the analytics' date arithmetic stays far from its limits).
FIRST_YEAR, LAST_YEAR = 1970, 2199


class PeriodError(ValueError):
    """The period or the longest wait cannot be used (the message says why)."""


@dataclass(frozen=True)
class SandboxRun:
    """What a run answers: the period, the plan, and both plans' figures side by side."""

    first: date  # first local date replayed
    last: date  # the local date after the period
    timezone: str
    now: str  # the hub's now (ISO-8601, UTC): occurrences after it are not replayed
    max_wait_min: int
    min_group: int
    changes: list[dict[str, object]]  # the plan as understood
    replayed: int  # held meetings replayed
    skipped: Skipped  # occurrences of the period that were not held
    people_sources: dict[str, int]  # replayed meetings by where their head count came from
    baseline: PlanFigures
    changed: PlanFigures
    difference: Difference  # changed minus baseline


def run_sandbox(
    session: Session,
    document: object,
    *,
    scope: Scope,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
    max_wait_min: int = DEFAULT_WAIT_MIN,
) -> SandboxRun:
    """Raises :class:`PeriodError` for a bad period or wait, :class:`PlanError` (every
    problem, with its place) for a plan that cannot be applied."""
    _check_options(first, last, max_wait_min)
    plan = parse_plan(document)
    loaded = load_inventory(session, scope)
    apply_plan(loaded.inventory, plan)  # a plan naming unknown rooms fails before loading
    zone = site_zone(loaded.zones.values())
    try:
        first, last = resolve_period(first, last, now, zone)
    except ValueError as error:
        raise PeriodError(str(error)) from None
    start, end = bounds(first, last, zone)
    occurrences = load_occurrences(session, loaded, first, last, start, end)
    held, skipped = held_meetings(occurrences, now)
    desk_days = load_desk_days(session, loaded, first, last, start, end, now)
    result = compare(
        loaded.inventory, plan, held, desk_days, max_wait=timedelta(minutes=max_wait_min)
    )
    sources = Counter(m.people_source for m in held)
    return SandboxRun(
        first=first,
        last=last,
        timezone=zone.key,
        now=now.astimezone(UTC).isoformat(),
        max_wait_min=max_wait_min,
        min_group=MIN_GROUP,
        changes=plan.as_json(),
        replayed=len(held),
        skipped=skipped,
        people_sources={source: sources[source] for source in PEOPLE_SOURCES},
        baseline=result.baseline,
        changed=result.changed,
        difference=result.difference,
    )


def _check_options(first: date | None, last: date | None, max_wait_min: int) -> None:
    for name, value in (("from", first), ("to", last)):
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise PeriodError(
                f"{name}={value} is out of range: use a date from {FIRST_YEAR} to {LAST_YEAR}"
            )
    if not 0 <= max_wait_min <= MAX_WAIT_MIN:
        raise PeriodError(f"max_wait_min={max_wait_min} is out of range: 0 to {MAX_WAIT_MIN}")
