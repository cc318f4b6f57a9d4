"""Domain errors of the booking service; the API maps ``status`` to the HTTP answer."""

from dataclasses import dataclass
from datetime import datetime


class BookingError(ValueError):
    """A booking request a person can fix. ``status``: 422 bad input, 409 wrong state."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Clash:
    """An occurrence of another booking in the way. No title: the caller may not see it."""

    booking_id: str
    occurrence_id: int
    starts_at: datetime
    ends_at: datetime

    def describe(self) -> str:
        return (
            f"booking {self.booking_id!r} (occurrence {self.occurrence_id}) from "
            f"{self.starts_at.isoformat()} to {self.ends_at.isoformat()}"
        )


class BookingConflict(BookingError):
    """The space is already booked for (part of) the requested time."""

    def __init__(self, clashes: list[Clash]) -> None:
        first = clashes[0]
        more = f" and {len(clashes) - 1} more" if len(clashes) > 1 else ""
        super().__init__(f"the space is already booked: {first.describe()}{more}", status=409)
        self.clashes = clashes
