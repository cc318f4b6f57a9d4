"""Scoring occupancy estimators on labelled sessions (issue 8, "How it will be checked").

An estimator is fed a played session's signals in time order on a fake clock: every ``TICK_S``
it is asked for an estimate. Each minute is judged at its middle (see sessions/truth.py):
the occupied state against whether anyone was in, the band (0, 1, 2, 3+) against the true count
where the room has a counting sensor. Bookings are judged like the hub would act on them: a
booking is released after ``RELEASE_AFTER_S`` of continuous vacant estimates inside it (10 min,
Robin's and Microsoft's default; the hub's abandonment rule waits 15, so this is stricter).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from edge.fusion.baselines import EstimatorFactory
from edge.fusion.sessions.loader import LoadedSession
from edge.fusion.sessions.play import Played, play, terminal_config
from edge.fusion.sessions.schema import COUNTERS
from edge.fusion.signals import Estimate

TICK_S = 5
RELEASE_AFTER_S = 600.0
TOP_BAND = 3  # Density's bands: 0, 1, 2, 3 or more

#: What became of a booking: never released; released with nobody in the room and nobody
#: back before its end; released while empty but someone came back (a meeting broken off);
#: released while someone was in the room (the failure the issue forbids).
Outcome = Literal["kept", "released_empty", "released_then_used", "released_in_use"]


@dataclass(frozen=True)
class BookingResult:
    start: float
    end: float
    attended: bool  # anyone in the room at a judged moment during the booking
    released_at: float | None
    outcome: Outcome


@dataclass(frozen=True)
class Score:
    session: str
    estimator: str
    seed: int
    minutes: int
    occupied_right: int
    wrongly_vacant: int  # minutes judged vacant while people were in
    wrongly_occupied: int
    band_minutes: int  # minutes judged for the band (0 without a counting sensor)
    band_right: int
    bookings: tuple[BookingResult, ...]

    @property
    def released_in_use(self) -> int:
        return sum(1 for b in self.bookings if b.outcome == "released_in_use")


class _Releases:
    """The release rule over one session's bookings, fed one estimate per tick."""

    def __init__(self, played: Played, release_after_s: float) -> None:
        self._bookings = played.loaded.session.bookings
        self._truth = played.loaded.truth
        self._after = release_after_s
        self._released: dict[int, float] = {}
        self._vacant_since: float | None = None

    def tick(self, t: float, occupied: bool) -> None:
        if occupied:
            self._vacant_since = None
            return
        if self._vacant_since is None:
            self._vacant_since = t
        for index, booking in enumerate(self._bookings):
            if index in self._released or not booking.start <= t < booking.end:
                continue
            if t - max(self._vacant_since, booking.start) >= self._after:
                self._released[index] = t

    def results(self) -> tuple[BookingResult, ...]:
        out = []
        for index, booking in enumerate(self._bookings):
            judged = [m for m in self._truth.minutes() if booking.start <= m.at < booking.end]
            attended = any(m.occupied for m in judged)
            released = self._released.get(index)
            outcome: Outcome = "kept"
            if released is not None:
                later = [m for m in judged if m.at > released]
                if self._truth.count_at(released) > 0:
                    outcome = "released_in_use"
                elif any(m.occupied for m in later):
                    outcome = "released_then_used"
                else:
                    outcome = "released_empty"
            out.append(BookingResult(booking.start, booking.end, attended, released, outcome))
        return tuple(out)


def score(
    played: Played,
    name: str,
    factory: EstimatorFactory,
    release_after_s: float = RELEASE_AFTER_S,
) -> Score:
    """Run one estimator over one played session."""
    session, truth = played.loaded.session, played.loaded.truth
    estimator = factory(terminal_config(session))
    judged = {round(m.at): m for m in truth.minutes()}
    counted = bool(COUNTERS & set(session.room.sensors))
    releases = _Releases(played, release_after_s)
    signals = iter(played.signals)
    pending = next(signals, None)
    right = vacant = occupied = band_right = 0
    for t in range(0, truth.duration_s + 1, TICK_S):
        while pending is not None and pending.at <= t:
            estimator.observe(pending)
            pending = next(signals, None)
        estimate = estimator.estimate(float(t))
        releases.tick(float(t), estimate.occupied)
        minute = judged.get(t)
        if minute is None:
            continue
        right += estimate.occupied == minute.occupied
        vacant += minute.occupied and not estimate.occupied
        occupied += estimate.occupied and not minute.occupied
        band_right += counted and _band(estimate) == min(minute.count, TOP_BAND)
    return Score(
        session=played.name,
        estimator=name,
        seed=played.seed,
        minutes=len(judged),
        occupied_right=right,
        wrongly_vacant=vacant,
        wrongly_occupied=occupied,
        band_minutes=len(judged) if counted else 0,
        band_right=band_right,
        bookings=releases.results(),
    )


def _band(estimate: Estimate) -> int | None:
    return None if estimate.band is None else min(estimate.band, TOP_BAND)


@dataclass(frozen=True)
class Summary:
    """Several seeds (and maybe several sessions) of one estimator, added up."""

    estimator: str
    runs: int
    minutes: int
    occupied_share: float
    band_minutes: int
    band_share: float | None  # None: no counting sensor in any of them
    wrongly_vacant_min_per_run: float
    wrongly_occupied_min_per_run: float
    released_in_use: int  # bookings released while someone was in, over all runs
    released_then_used: int
    no_shows_released: int  # bookings nobody came to, released (what release is for)
    no_shows: int


def summarise(scores: Iterable[Score]) -> Summary:
    scores = list(scores)
    if not scores:
        raise ValueError("nothing to summarise")
    minutes = sum(s.minutes for s in scores)
    band_minutes = sum(s.band_minutes for s in scores)
    bookings = [b for s in scores for b in s.bookings]
    no_shows = [b for b in bookings if not b.attended]
    return Summary(
        estimator=scores[0].estimator,
        runs=len(scores),
        minutes=minutes,
        occupied_share=sum(s.occupied_right for s in scores) / minutes,
        band_minutes=band_minutes,
        band_share=sum(s.band_right for s in scores) / band_minutes if band_minutes else None,
        wrongly_vacant_min_per_run=sum(s.wrongly_vacant for s in scores) / len(scores),
        wrongly_occupied_min_per_run=sum(s.wrongly_occupied for s in scores) / len(scores),
        released_in_use=sum(1 for b in bookings if b.outcome == "released_in_use"),
        released_then_used=sum(1 for b in bookings if b.outcome == "released_then_used"),
        no_shows_released=sum(1 for b in no_shows if b.released_at is not None),
        no_shows=len(no_shows),
    )


def run_all(
    sessions: Iterable[LoadedSession],
    factories: dict[str, EstimatorFactory],
    seeds: list[int],
    release_after_s: float = RELEASE_AFTER_S,
) -> list[Score]:
    """Every estimator on every session and seed; each session is played once per seed, so all
    estimators hear exactly the same signals."""
    scores = []
    for loaded in sessions:
        for seed in seeds:
            played = play(loaded, seed)
            for name, make in factories.items():
                scores.append(score(played, name, make, release_after_s))
    return scores
