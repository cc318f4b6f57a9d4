"""The knobs of check-in and release, with the defaults the industry uses."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class CheckInPolicy:
    # A booking nobody checked in to is released this long after its start, if the space
    # stayed empty all that time (Robin, Teem and Microsoft default to 10-15 minutes).
    grace: timedelta = timedelta(minutes=10)
    # A meeting under way is released once its space has been empty this long.
    abandon_after: timedelta = timedelta(minutes=15)
    # How early a person may check in before the start (people gather at the door).
    early_check_in: timedelta = timedelta(minutes=5)
    # Consecutive no-shows of a recurring series: flagged at this many, cancelled at that many
    # (0: never cancelled automatically).
    flag_after_strikes: int = 2
    cancel_after_strikes: int = 3
    # How long after an occurrence ends late evidence (a terminal's spool replaying after an
    # outage) may still undo a release made in error.
    late_window: timedelta = timedelta(hours=12)
    # Book an unbooked room for people who have been in it this long (off by default).
    auto_book: bool = False
    auto_book_after: timedelta = timedelta(minutes=5)
    auto_book_length: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        for name in ("grace", "abandon_after", "auto_book_after", "auto_book_length"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be positive")
        if self.flag_after_strikes < 1 or self.cancel_after_strikes < 0:
            raise ValueError("strike thresholds must be at least 1 (cancel: 0 = never)")
