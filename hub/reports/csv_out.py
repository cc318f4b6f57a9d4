"""The report as CSV: one row per room and per desk for the report's period.

Columns (also in docs/reports.md); hours have 2 decimals, percentages 1; an empty cell is
a figure without data (no known time, no meetings) or one withheld (figures about people
over fewer than MIN_GROUP meetings). RFC 4180 quoting, ``\\r\\n`` line ends, UTF-8.
"""

import csv
import io

from hub.analytics.dashboard import Figures
from hub.reports.data import DeskLine, ReportData, RoomLine

COLUMNS = [
    "period",  # daily | weekly | monthly
    "first_date",  # first local date of the period
    "last_date",  # last local date of the period (inclusive)
    "space_kind",  # room | desk
    "space_id",
    "space_name",
    "site_id",
    "building_id",
    "floor_id",
    "room_id",  # the room itself, or the desk's room
    "capacity",  # seats of a room; empty for a desk
    "working_hours",
    "elapsed_hours",  # working hours before the rollups' last refresh
    "known_hours",
    "occupied_hours",
    "booked_hours",
    "booked_used_hours",
    "unbooked_occupied_hours",
    "utilization_pct",  # occupied / known
    "coverage_pct",  # known / elapsed
    "booked_pct",  # booked / elapsed
    "booked_used_pct",  # booked and occupied / booked with a known state
    "meetings",
    "no_shows",  # released for nobody coming
    "abandoned",  # released because everyone had left
    "ghosts",
    "peak_people",  # most people a counting sensor saw in one meeting (>= 5 meetings)
    "median_people",  # right-sizing (>= 5 meetings with a head count)
    "p80_people",
    "recommendation",  # downsize | upsize | fits
]


def _hours(value: float) -> str:
    return f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _blank(value: object) -> str:
    return "" if value is None else str(value)


def _figures(f: Figures) -> list[str]:
    return [
        _hours(f.working_hours),
        _hours(f.elapsed_hours),
        _hours(f.known_hours),
        _hours(f.occupied_hours),
        _hours(f.booked_hours),
        _hours(f.booked_used_hours),
        _hours(f.unbooked_occupied_hours),
        _pct(f.utilization),
        _pct(f.coverage),
        _pct(f.booked_share),
        _pct(f.booked_used_share),
        str(f.meetings),
        str(f.no_shows),
    ]


def _room_row(report: ReportData, room: RoomLine) -> list[str]:
    sizing = room.sizing
    return [
        *_head(report),
        "room",
        room.id,
        room.name,
        room.place.site_id,
        room.place.building_id,
        room.place.floor_id,
        room.id,
        str(room.capacity),
        *_figures(room.figures),
        str(room.abandoned),
        str(room.figures.ghosts),
        _blank(room.peak_people),
        _blank(sizing.median_people if sizing else None),
        _blank(sizing.p80_people if sizing else None),
        _blank(sizing.recommendation if sizing else None),
    ]


def _desk_row(report: ReportData, desk: DeskLine) -> list[str]:
    return [
        *_head(report),
        "desk",
        desk.id,
        desk.name,
        desk.place.site_id,
        desk.place.building_id,
        desk.place.floor_id,
        desk.room_id,
        "",
        *_figures(desk.figures),
        "",
        str(desk.figures.ghosts),
        "",
        "",
        "",
        "",
    ]


def _head(report: ReportData) -> list[str]:
    span = report.span
    last_day = span.last.toordinal() - 1
    return [span.period, span.first.isoformat(), type(span.first).fromordinal(last_day).isoformat()]


def render_csv(report: ReportData) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for room in report.rooms:
        writer.writerow(_room_row(report, room))
    for desk in report.desks:
        writer.writerow(_desk_row(report, desk))
    return buffer.getvalue().encode()
