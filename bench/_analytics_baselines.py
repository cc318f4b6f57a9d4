"""The raw-SQL baselines of the analytics benchmark (bench/analytics.py), and its timer.

One plain SQL statement per dashboard query over the raw ``occupancy_changes`` (occupied
time per interval from ``LEAD(ts)``), answering the same question as simply as SQL can: a
lower bound on the cost of answering from raw events. Apart from the data generator and
the benchmark's driver so the yardstick can be read on its own.
"""

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_ms(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = run()  # warm-up (page cache, statement cache)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


_INTERVALS = """
WITH iv AS (
  SELECT space_id, ts, occupied,
         LEAD(ts) OVER (PARTITION BY space_kind, space_id ORDER BY ts) AS next_ts
  FROM occupancy_changes WHERE space_kind = 'room' AND ts >= :lo AND ts < :hi
)
"""
BASELINES = {
    "floor_day": _INTERVALS
    + """
SELECT r.floor_id, date(iv.ts) AS day,
       SUM((julianday(COALESCE(iv.next_ts, :hi)) - julianday(iv.ts)) * 24) AS occupied_hours,
       COUNT(DISTINCT iv.space_id) AS rooms
FROM iv JOIN rooms r ON r.id = iv.space_id
WHERE iv.occupied GROUP BY r.floor_id, day""",
    "heatmap": _INTERVALS
    + """
SELECT strftime('%w', iv.ts) AS weekday, strftime('%H', iv.ts) AS hour,
       SUM((julianday(COALESCE(iv.next_ts, :hi)) - julianday(iv.ts)) * 24) AS occupied_hours
FROM iv WHERE iv.occupied GROUP BY weekday, hour""",
    "room_list": _INTERVALS
    + """
SELECT r.id, r.name, s.occupied, s.since,
       SUM(CASE WHEN iv.occupied THEN
           (julianday(COALESCE(iv.next_ts, :hi)) - julianday(iv.ts)) * 24 END) AS occupied_hours
FROM rooms r LEFT JOIN iv ON iv.space_id = r.id
LEFT JOIN space_states s ON s.space_kind = 'room' AND s.space_id = r.id
GROUP BY r.id""",
}
