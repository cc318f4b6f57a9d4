"""``python -m hub timeseries ...``: the operator's side of the time-series export.

``backfill`` writes what the stored cursors have not reached yet (what a running hub does
by itself every few seconds) and exits; with ``--since`` it writes everything from that
time again, with cursors of its own, leaving the stored ones alone (points are the same
series and timestamps, so the server overwrites them). Output per GUIDE section 10:
``--json`` prints one JSON object on stdout; exit 1 when the server did not accept points.
"""

import json
import logging
import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from common.clock import SystemClock
from hub.db.engine import make_engine, make_session_factory
from hub.timeseries.cursors import Cursors, MemoryCursors, SqlCursors
from hub.timeseries.service import build_exporter, export_lock
from hub.timeseries.sources import default_sources

timeseries_app = typer.Typer(
    help="Time series for Grafana (docs/timeseries.md).", no_args_is_help=True
)


def parse_since(text: str) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO-8601 time with a UTC offset."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        when = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(
            f"--since {text!r} is not a date (2026-01-05) or a time (2026-01-05T08:00:00+01:00)"
        ) from error
    if when.tzinfo is None:
        raise ValueError(f"--since {text!r} has no UTC offset: add one, e.g. {text}+00:00")
    return when.astimezone(UTC)


@timeseries_app.command("backfill")
def backfill(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Write everything from this date (YYYY-MM-DD, UTC) or ISO-8601 time again; "
            "the stored cursors are left alone.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Write the points the time-series server is missing, then exit."""
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    start = None
    if since is not None:
        try:
            start = parse_since(since)
        except ValueError as error:
            fail(str(error))
    settings = prepared_settings()
    if not settings.timeseries_url:
        fail("QUORUM_TIMESERIES_URL is not set: point it at an InfluxDB v2 write API server")
    engine = make_engine(settings.database_url)
    lock = None
    try:
        factory = make_session_factory(engine)
        sources = default_sources()
        cursors: Cursors
        if start is not None:
            with factory() as session:
                cursors = MemoryCursors({s.name: s.rewind_cursor(session, start) for s in sources})
        else:
            lock = export_lock(settings.database_url)
            if not lock.acquire():
                fail(
                    "another hub process is exporting (it holds the export lock) and catches "
                    "up by itself; see GET /api/v1/timeseries/status, or use --since to write "
                    "a range again"
                )
            cursors = SqlCursors()
        exporter, writer = build_exporter(
            settings, factory, SystemClock(), cursors=cursors, sources=sources
        )
        try:
            result = exporter.catch_up()
        finally:
            writer.close()
        with factory() as session:
            final = {s.name: cursors.get(session, s.name) for s in sources}
    finally:
        if lock is not None:
            lock.release()
        engine.dispose()

    if json_output:
        document = {
            "url": settings.timeseries_url,
            "since": start.isoformat() if start is not None else None,
            "points": result.points,
            "points_by_source": result.by_source,
            "cursors": final,
            "caught_up": result.caught_up,
            "error": result.error,
        }
        print(json.dumps(document))
    else:
        parts = ", ".join(f"{name}: {count}" for name, count in result.by_source.items())
        print(f"wrote {result.points} points to {settings.timeseries_url} ({parts})")
    if result.error is not None:
        print(f"error: {result.error}", file=sys.stderr)
        raise typer.Exit(1)
