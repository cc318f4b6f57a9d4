"""History for the sandbox's API and command-line tests, written straight into the store.

December 2025, Berlin time. The 12-seat Cosmos boardroom (exec, floor 2) had seven held
meetings of 10:00 to 11:00: six of 8 people (1-5 and 8 December) and one of 5 (10 December),
and a no-show on 9 December. Aurora (shared, 8 seats, floor 1) had 3-person meetings at
09:45-10:15 on the 1st and 09:00-12:00 on the 2nd. Desks E01 and E02 (engineering, floor 2)
were both in use 09:00-12:00 on 1 December, after which their terminal went offline.

Splitting Cosmos into two 6-seat rooms, hand-computed: the 5-person meeting fits in a half;
the 8-person ones have no room on floor 2, so they go to Aurora on floor 1 (3, 4, 5 and 8
December), wait 15 minutes for it (1 December), or find it taken past a 30-minute wait
(2 December: unserved).
"""

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub.db.models import Booking, BookingOccurrence, DeviceStatusChange, OccupancyChange

BERLIN = ZoneInfo("Europe/Berlin")
COSMOS, AURORA = "hq-f2-cosmos", "hq-f1-aurora"
DESK_TERMINAL = "term-hq-f2-east-desks"
SPLIT = {
    "changes": [
        {
            "split": COSMOS,
            "into": [
                {"id": "hq-f2-cosmos-a", "capacity": 6},
                {"id": "hq-f2-cosmos-b", "capacity": 6},
            ],
        },
        {"remove_desks": {"floor": "hq-main-f2"}},
    ]
}


def local(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(date(2025, 12, day), time(hh, mm), tzinfo=BERLIN).astimezone(UTC)


def add_meeting(
    session: Session, ident: str, room: str, start: datetime, end: datetime, **occ: Any
) -> None:
    session.add(
        Booking(
            id=ident, space_kind="room", space_id=room, organizer_id=None, title="",
            starts_at=start, ends_at=end, timezone="Europe/Berlin", source="api",
            created_at=start, updated_at=start,
        )
    )  # fmt: skip
    session.flush()
    session.add(
        BookingOccurrence(
            booking_id=ident, space_kind="room", space_id=room, starts_at=start, ends_at=end, **occ
        )
    )


def held(start: datetime, people: int) -> dict[str, Any]:
    return {"state": "ended", "checked_in_at": start, "check_in_method": "occupancy",
            "peak_people": people}  # fmt: skip


def add_december(session: Session) -> None:
    """The history above (the organisation of firmware_configs/ must be imported)."""
    for day in (1, 2, 3, 4, 5, 8):
        add_meeting(session, f"cosmos-{day}", COSMOS, local(day, 10), local(day, 11),
                    **held(local(day, 10), 8))  # fmt: skip
    add_meeting(
        session, "cosmos-10", COSMOS, local(10, 10), local(10, 11), **held(local(10, 10), 5)
    )
    add_meeting(session, "cosmos-9", COSMOS, local(9, 10), local(9, 11), state="released",
                released_at=local(9, 10, 10), release_reason="no_show")  # fmt: skip
    add_meeting(session, "aurora-1", AURORA, local(1, 9, 45), local(1, 10, 15),
                **held(local(1, 9, 45), 3))  # fmt: skip
    add_meeting(session, "aurora-2", AURORA, local(2, 9), local(2, 12), **held(local(2, 9), 3))
    for desk in ("hq-f2-e01", "hq-f2-e02"):
        for seq, (ts, occupied) in enumerate(
            [(local(1, 7), False), (local(1, 9), True), (local(1, 12), False)]
        ):
            session.add(
                OccupancyChange(
                    space_kind="desk", space_id=desk, occupied=occupied, ts=ts,
                    device_id=DESK_TERMINAL, boot="boot-1", seq=seq, initial=seq == 0,
                )
            )  # fmt: skip
    session.add(DeviceStatusChange(device_id=DESK_TERMINAL, online=False, at=local(1, 20)))
