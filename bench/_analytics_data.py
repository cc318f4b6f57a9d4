"""Synthetic data for the analytics benchmark (bench/analytics.py): a year of raw rows.

Writes the organisation (5 buildings, 50 floors, meeting rooms and desk areas with their
desks) and a year of bookings, occurrences, occupancy changes and terminal outages straight
into a migrated hub SQLite file with sqlite3 ``executemany``, in the text formats
SQLAlchemy uses, so the hub reads the rows as its own. Apart from the benchmark's timing and
reporting so what the data looks like can be read, and changed, on its own.
"""

import datetime as dt
import json
import random
import sqlite3
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday
ZONES = [ZoneInfo("Europe/Berlin")] * 4 + [ZoneInfo("America/New_York")]
DEPARTMENTS = ["d1", "d2", "d3", "d4", "d5"]


class Clock:
    """Epoch seconds to the text SQLAlchemy stores for a DateTime on SQLite, fast."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def text(self, seconds: int) -> str:
        day, rest = divmod(seconds, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = (dt.datetime(1970, 1, 1) + dt.timedelta(days=day)).strftime("%Y-%m-%d")
            self._days[day] = prefix
        h, rest = divmod(rest, 3600)
        m, s = divmod(rest, 60)
        return f"{prefix} {h:02d}:{m:02d}:{s:02d}.000000"


class Generator:
    """Writes the organisation and a year of raw rows with sqlite3 directly."""

    def __init__(self, db: sqlite3.Connection, *, rooms: int, desks_per_area: int, days: int):
        self.db = db
        self.rng = random.Random(42)
        self.clock = Clock()
        self.rooms = rooms
        self.desks_per_area = desks_per_area
        self.days = days
        self.counts: dict[str, int] = {}
        self.seq = 0
        self.booking_no = 0

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.db.executemany(sql, rows)
            table = sql.split()[2]
            self.counts[table] = self.counts.get(table, 0) + len(rows)

    def org(self) -> tuple[list[tuple[str, int, ZoneInfo, int]], list[tuple[str, str, int]]]:
        """(room id, floor no, zone, capacity) of meeting rooms; (desk id, room id, zone no)."""
        db = self.db
        db.execute("INSERT INTO sites VALUES ('site', 'Site')")
        db.executemany("INSERT INTO departments VALUES (?, ?)", [(d, d) for d in DEPARTMENTS])
        floors = 50
        per_floor = self.rooms // floors
        meeting_rooms, desks = [], []
        room_rows, desk_rows, device_rows, state_rows = [], [], [], []
        for b in range(5):
            db.execute("INSERT INTO buildings VALUES (?, 'site', ?)", (f"b{b}", f"Building {b}"))
            for f in range(10):
                floor = f"b{b}-f{f}"
                db.execute("INSERT INTO floors VALUES (?, ?, ?, ?)", (floor, f"b{b}", floor, f))
                zone = ZONES[b]
                for r in range(per_floor):
                    room = f"{floor}-r{r:02d}"
                    area = r >= per_floor * 4 // 5
                    dept = None if r % 2 else DEPARTMENTS[(b * 10 + f) % 5]
                    capacity = self.desks_per_area if area else self.rng.choice([4, 6, 8, 12, 20])
                    room_rows.append(
                        (
                            room,
                            floor,
                            room,
                            "desk_area" if area else "meeting_room",
                            capacity,
                            zone.key,
                            dept,
                            "08:00:00.000000",
                            "18:00:00.000000",
                            '["mon","tue","wed","thu","fri"]',
                        )
                    )
                    device_rows.append((f"t-{room}", room, 1))
                    state_rows.append(
                        (
                            "room",
                            room,
                            0,
                            self.clock.text(int(NOW.timestamp()) - 600),
                            self.clock.text(int(NOW.timestamp())),
                        )
                    )
                    if area:
                        for k in range(self.desks_per_area):
                            desks.append((f"{room}-d{k:02d}", room, b))
                            desk_rows.append((f"{room}-d{k:02d}", room, f"Desk {k}"))
                    else:
                        meeting_rooms.append((room, b, zone, capacity))
        db.executemany("INSERT INTO rooms VALUES (?,?,?,?,?,?,?,?,?,?)", room_rows)
        db.executemany("INSERT INTO desks VALUES (?,?,?)", desk_rows)
        db.executemany("INSERT INTO devices (id, room_id, online) VALUES (?,?,?)", device_rows)
        db.executemany(
            "INSERT INTO space_states (space_kind, space_id, occupied, since, updated_at) "
            "VALUES (?,?,?,?,?)",
            state_rows,
        )
        self.counts["rooms"], self.counts["desks"] = len(room_rows), len(desk_rows)
        return meeting_rooms, desks

    def working_days(self, zone: ZoneInfo) -> Iterator[tuple[int, int]]:
        """(local midnight as epoch seconds, weekday) of each working day in the year."""
        last = NOW.astimezone(zone).date()
        for i in range(self.days, 0, -1):
            day = last - dt.timedelta(days=i)
            if day.weekday() < 5:
                noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
                offset = int(noon.utcoffset().total_seconds())  # type: ignore[union-attr]
                midnight = int(dt.datetime.combine(day, dt.time(0)).replace(tzinfo=UTC).timestamp())
                yield midnight - offset, day.weekday()

    def change(
        self,
        out: list[tuple[Any, ...]],
        kind: str,
        space: str,
        device: str,
        at: int,
        occupied: bool,
    ) -> None:
        self.seq += 1
        out.append(
            (kind, space, int(occupied), self.clock.text(at), device, "b", self.seq, 0, "[]")
        )

    def rooms_year(self, meeting_rooms: list[tuple[str, int, ZoneInfo, int]]) -> None:
        rng, text = self.rng, self.clock.text
        for room, _, zone, capacity in meeting_rooms:
            device = f"t-{room}"
            counting = rng.random() < 1 / 3
            changes: list[tuple[Any, ...]] = []
            bookings: list[tuple[Any, ...]] = []
            occurrences: list[tuple[Any, ...]] = []
            first = True
            for midnight, _ in self.working_days(zone):
                if first:
                    self.change(changes, "room", room, device, midnight + 7 * 3600, False)
                    first = False
                slot = 8 * 3600 + rng.randrange(0, 4) * 1800
                busy_until = 0  # the room is occupied until then (a meeting ran over)
                for _ in range(rng.choice([0, 1, 2, 2, 3, 3, 4, 4, 5, 6])):
                    length = rng.choice([1800, 3600, 3600, 5400])
                    start, end = midnight + slot, midnight + slot + length
                    if slot + length > 18 * 3600:
                        break
                    self.booking_no += 1
                    bid = f"bk{self.booking_no:08d}"
                    guests = json.dumps([f"g{i}@x" for i in range(rng.randrange(0, 5))])
                    bookings.append(
                        (
                            bid,
                            "room",
                            room,
                            None,
                            "",
                            text(start),
                            text(end),
                            zone.key,
                            None,
                            "[]",
                            guests,
                            "api",
                            None,
                            text(start - 86400),
                            text(start - 86400),
                            None,
                            None,
                            0,
                            None,
                        )
                    )
                    if rng.random() < 0.25:  # a no-show
                        occurrences.append(
                            (
                                bid,
                                "room",
                                room,
                                text(start),
                                text(end),
                                "released",
                                None,
                                None,
                                text(start + 600),
                                "no_show",
                                None,
                            )
                        )
                    else:
                        arrive = start + rng.randrange(0, 480)
                        leave = min(end + rng.randrange(0, 600), midnight + 18 * 3600 + 1800)
                        self.change(changes, "room", room, device, arrive, True)
                        self.change(changes, "room", room, device, leave, False)
                        busy_until = leave
                        peak = rng.randint(1, capacity + 2) if counting else None
                        occurrences.append(
                            (
                                bid,
                                "room",
                                room,
                                text(start),
                                text(end),
                                "ended",
                                text(arrive),
                                "occupancy",
                                None,
                                None,
                                peak,
                            )
                        )
                    slot += length + rng.choice([0, 1800, 1800, 3600])
                    slot = max(slot, busy_until - midnight + 60)
                slot = max(slot, busy_until - midnight + 60)
                if rng.random() < 0.15 and slot + 3600 <= 18 * 3600:  # used without a booking
                    self.change(changes, "room", room, device, midnight + slot + 300, True)
                    self.change(changes, "room", room, device, midnight + slot + 2700, False)
            self._many(
                "INSERT INTO occupancy_changes (space_kind, space_id, occupied, ts, "
                "device_id, boot, seq, initial, signals) VALUES (?,?,?,?,?,?,?,?,?)",
                changes,
            )
            self._many(
                "INSERT INTO bookings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", bookings
            )
            self._many(
                "INSERT INTO booking_occurrences (booking_id, space_kind, space_id, "
                "starts_at, ends_at, state, checked_in_at, check_in_method, released_at, "
                "release_reason, peak_people) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                occurrences,
            )

    def desks_year(self, desks: list[tuple[str, str, int]]) -> None:
        rng = self.rng
        batch: list[tuple[Any, ...]] = []
        for desk, room, building in desks:
            device = f"t-{room}"
            first = True
            for midnight, _ in self.working_days(ZONES[building]):
                if first:
                    self.change(batch, "desk", desk, device, midnight + 7 * 3600, False)
                    first = False
                if rng.random() >= 0.6:
                    continue
                at = midnight + 8 * 3600 + rng.randrange(0, 7200)
                for _ in range(rng.choice([1, 1, 2])):
                    leave = at + rng.randrange(7200, 14400)
                    self.change(batch, "desk", desk, device, at, True)
                    self.change(batch, "desk", desk, device, leave, False)
                    at = leave + rng.randrange(1800, 3600)
            if len(batch) > 200_000:
                self.flush_changes(batch)
        self.flush_changes(batch)

    def flush_changes(self, batch: list[tuple[Any, ...]]) -> None:
        self._many(
            "INSERT INTO occupancy_changes (space_kind, space_id, occupied, ts, device_id, "
            "boot, seq, initial, signals) VALUES (?,?,?,?,?,?,?,?,?)",
            batch,
        )
        batch.clear()

    def outages(self, desks: list[tuple[str, str, int]]) -> None:
        rng, text = self.rng, self.clock.text
        desks_of: dict[str, list[str]] = {}
        for desk, room, _ in desks:
            desks_of.setdefault(room, []).append(desk)
        rooms = [r for (r,) in self.db.execute("SELECT id FROM rooms")]
        start = int(NOW.timestamp()) - self.days * 86400
        status, changes = [], []
        for room in rooms:
            device = f"t-{room}"
            for _ in range(4):
                down = start + rng.randrange(0, self.days * 86400)
                up = down + rng.randrange(3600, 3 * 3600)
                status += [(device, 0, text(down), "will"), (device, 1, text(up), "birth")]
                for kind, space in [("room", room)] + [("desk", d) for d in desks_of.get(room, [])]:
                    self.change(changes, kind, space, device, up, False)
        self._many(
            "INSERT INTO device_status_changes (device_id, online, at, reason) VALUES (?,?,?,?)",
            status,
        )
        self.flush_changes(changes)
