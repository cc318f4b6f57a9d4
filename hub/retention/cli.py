"""``python -m hub retention run``: delete what has expired now, as the hub's job does daily.

Output per GUIDE section 10: without ``--json`` a table for people; with it one JSON object
on stdout (``now``, ``dry_run``, ``total_expired`` and per class ``keep_days``, ``cutoff``,
``expired``). Exit 0 on success, 1 when it could not run (a bad setting, the database, or
another hub worker running the job at the same moment), 2 for wrong usage. ``--dry-run``
counts what would be deleted and deletes nothing.
"""

import json
import logging
import sys
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from common.clock import SystemClock
from hub.db.engine import make_engine, make_session_factory
from hub.retention.classes import BY_NAME
from hub.retention.run import RetentionReport, periods_from
from hub.retention.runner import Busy, run_locked

retention_app = typer.Typer(
    help="Retention of personal data (docs/security.md).", no_args_is_help=True
)


@retention_app.command("run")
def run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Delete every kind of data older than its retention period (QUORUM_RETENTION_*_DAYS)."""
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    settings = prepared_settings()
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        report = run_locked(factory, SystemClock(), periods_from(settings), dry_run=dry_run)
        assert report is not None  # only a run told to skip recent runs returns None
    except Busy as error:
        fail(f"{error}; try again in a minute")
    except SQLAlchemyError as error:
        fail(f"the retention run failed and deleted nothing: {error}")
    finally:
        engine.dispose()
    if json_output:
        print(json.dumps(report.as_json()))
    else:
        print(_table(report))


def _table(report: RetentionReport) -> str:
    verb = "would delete" if report.dry_run else "deleted"
    lines = [
        f"retention at {report.now.isoformat()}: {verb} {report.total} expired rows",
        "",
        f"{'data':<16} {'kept':>10}  {verb:>12}  cutoff",
    ]
    for result in report.classes:
        kept = f"{result.keep_days} days" if result.keep_days else "for ever"
        count = "-" if result.expired is None else str(result.expired)
        cutoff = result.cutoff.isoformat(timespec="seconds") if result.cutoff else ""
        lines.append(f"{result.name:<16} {kept:>10}  {count:>12}  {cutoff}")
    lines += ["", "minutes counts meetings; " + BY_NAME["minutes"].covers + "."]
    return "\n".join(lines)
