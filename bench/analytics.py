"""Analytics dashboards: each query from the rollups against a plain GROUP BY over raw events.

Method. One year of synthetic events for 1,000 rooms (800 meeting rooms, 200 desk areas) and
5,000 desks (25 per desk area) on 50 floors in 5 buildings (four in Berlin, one in New York;
working hours 08:00-18:00, Monday to Friday) is written straight into a fresh hub SQLite file
(the hub's own schema, migrated by Alembic; bulk ``executemany`` with the formats SQLAlchemy
uses, so the hub reads the rows as its own):

- meeting rooms: 0-6 bookings per working day (30-90 min), 25 % no-shows (released after
  10 min, nobody came), the rest checked in a few minutes late with the room occupied until
  shortly after the end; a third of the rooms have a counting sensor (peak people); sometimes
  a room is used without a booking;
- desks: used on 60 % of working days, one or two sittings of 2-4 h;
- every terminal goes offline four times a year for 1-3 h and reports its state on return;
- a live state row per room.

Then, in the same process and on the same file:

1. ``refresh_rollups(full=True)`` builds the rollups (timed), and an incremental refresh an
   hour later with new events for every room plus 100 late events two months back (timed);
2. each dashboard query runs ``--repeat`` times after one warm-up (median reported):
   ``floor_day``: utilization etc. per floor and local day over the whole year (rooms);
   ``heatmap``: occupied share per weekday x local hour over the whole year (rooms);
   ``room_list``: the 1,000 rooms with their figures over the last 30 days and live state;
3. the baseline for each, measured the same way: one plain SQL statement over the raw
   ``occupancy_changes`` answering the same question as simply as SQL can (occupied time per
   interval from ``LEAD(ts)`` over each space's changes, grouped by floor and UTC date, by UTC
   weekday and hour of the interval's start, or by room joined to the live state). The
   baseline ignores working hours, time zones, offline spells and bookings, so it does less
   than the dashboards do: a lower bound on the cost of answering from raw events.

Output: a table on stderr; the last line of stdout is one JSON object:
  rows                      counts of the raw rows generated
  generate_s, build_s       time to write the raw rows, to build the rollups from them
  refresh_s                 an incremental refresh (new hour of events + 100 late events)
  queries                   per query: ours_ms and baseline_ms (medians), ratio = ours_ms /
                            baseline_ms (below 1: the rollups are faster), rows returned
  max_query_ms              the slowest dashboard query (median)
  target_ms                 200
  target_met                every dashboard query's median under target_ms

  python bench/analytics.py [--quick] [--repeat N] [--keep DIR]
"""

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench._analytics_baselines import BASELINES, median_ms
from bench._analytics_data import NOW, UTC, Clock, Generator
from hub.analytics.dashboard import group_report, heatmap, space_report
from hub.analytics.rollups import refresh_rollups
from hub.db.engine import make_engine
from hub.db.migrate import upgrade

TARGET_MS = 200.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 rooms, 500 desks, 60 days")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query (median)")
    parser.add_argument("--keep", type=Path, help="write the database here and keep it")
    args = parser.parse_args()
    rooms, per_area, days = (100, 10, 60) if args.quick else (1000, 25, 365)

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="quorum-bench-analytics-"))
    path = workdir / "hub.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    try:
        upgrade(url)
        log(f"generating {days} days for {rooms} rooms into {path} ...")
        began = time.perf_counter()
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        gen = Generator(db, rooms=rooms, desks_per_area=per_area, days=days)
        meeting_rooms, desks = gen.org()
        gen.rooms_year(meeting_rooms)
        gen.desks_year(desks)
        gen.outages(desks)
        db.commit()
        db.execute("ANALYZE")
        db.close()
        generate_s = time.perf_counter() - began
        log(f"  {gen.counts} in {generate_s:.1f} s")

        engine = make_engine(url)
        with Session(engine) as session:
            began = time.perf_counter()
            stats = refresh_rollups(session, NOW, full=True)
            session.commit()
            build_s = time.perf_counter() - began
            log(
                f"  rollups built in {build_s:.1f} s: {stats.space_days} space-days, "
                f"{stats.meetings} meetings, {stats.group_days} group-days"
            )

            # An hour later: every meeting room occupied for a while, and 100 late events.
            later = NOW + dt.timedelta(hours=1)
            raw = sqlite3.connect(path)
            g2 = Generator(raw, rooms=rooms, desks_per_area=per_area, days=days)
            g2.seq = 10**9
            fresh: list[tuple[Any, ...]] = []
            base = int(NOW.timestamp())
            for room, *_ in meeting_rooms:
                g2.change(fresh, "room", room, f"t-{room}", base + 600, True)
                g2.change(fresh, "room", room, f"t-{room}", base + 1800, False)
            for i in range(100):
                room = meeting_rooms[i % len(meeting_rooms)][0]
                at = base - 60 * 86400 + i * 60
                g2.change(fresh, "room", room, f"t-{room}", at, True)
                g2.change(fresh, "room", room, f"t-{room}", at + 30, False)
            g2.flush_changes(fresh)
            raw.commit()
            raw.close()
            began = time.perf_counter()
            again = refresh_rollups(session, later, full=False)
            session.commit()
            refresh_s = time.perf_counter() - began
            log(
                f"  incremental refresh in {refresh_s:.2f} s ({again.spaces} spaces, "
                f"{again.space_days} space-days)"
            )

            today = later.date() + dt.timedelta(days=1)
            year = today - dt.timedelta(days=days + 1)
            month = today - dt.timedelta(days=30)
            room_ids = [r for (r,) in session.execute(text("SELECT id FROM rooms"))]
            ours: dict[str, Callable[[], Any]] = {
                "floor_day": lambda: group_report(
                    session, by="floor_day", kind="room", first=year, last=today
                ),
                "heatmap": lambda: heatmap(session, kind="room", first=year, last=today),
                "room_list": lambda: space_report(
                    session, kind="room", ids=room_ids, first=month, last=today
                ),
            }
            lo = dt.datetime.combine(year, dt.time(0), tzinfo=UTC)
            hi = dt.datetime.combine(today, dt.time(0), tzinfo=UTC)
            month_lo = dt.datetime.combine(month, dt.time(0), tzinfo=UTC)
            raw_db = sqlite3.connect(path)
            clock = Clock()
            queries: dict[str, dict[str, Any]] = {}
            for name, run in ours.items():
                ours_ms, result = median_ms(run, args.repeat)
                start = month_lo if name == "room_list" else lo
                params = {
                    "lo": clock.text(int(start.timestamp())),
                    "hi": clock.text(int(hi.timestamp())),
                }
                base_ms, base_rows = median_ms(
                    lambda n=name, p=params: raw_db.execute(BASELINES[n], p).fetchall(),
                    args.repeat,
                )
                rows = len(result.occupied_share) * 24 if name == "heatmap" else len(result)
                queries[name] = {
                    "ours_ms": round(ours_ms, 1),
                    "baseline_ms": round(base_ms, 1),
                    "ratio": round(ours_ms / base_ms, 4) if base_ms else None,
                    "rows": rows,
                    "baseline_rows": len(base_rows),
                }
            raw_db.close()
        engine.dispose()
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)

    log("")
    log(f"{'query':<10} {'rollups ms':>11} {'raw SQL ms':>11} {'ratio':>8} {'rows':>7}")
    for name, q in queries.items():
        log(f"{name:<10} {q['ours_ms']:>11} {q['baseline_ms']:>11} {q['ratio']:>8} {q['rows']:>7}")
    worst = max(q["ours_ms"] for q in queries.values())
    result = {
        "quick": args.quick,
        "rooms": rooms,
        "desks": len(desks),
        "days": days,
        "rows": gen.counts,
        "generate_s": round(generate_s, 1),
        "build_s": round(build_s, 1),
        "refresh_s": round(refresh_s, 2),
        "queries": queries,
        "max_query_ms": worst,
        "target_ms": TARGET_MS,
        "target_met": worst < TARGET_MS,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
