"""What an occurrence's state should be, given everything seen so far. Pure logic.

The engine does not remember what it concluded last time and patch it: on every look it
works the state out again from the evidence (the space's occupancy timeline in *event*
time, and any explicit check-in), and compares. So evidence that arrives late (a
terminal's spool replaying after an outage, a check-in sent while the hub was
unreachable) simply changes the answer, and a release made in error is undone.

The answer for one occurrence ``[start, end)``:

1. Checked in at the first of: an explicit check-in (API, door display, voice) from
   ``early_check_in`` before the start until the end; the first moment the space was
   seen occupied in ``[start, start + grace)``. People who only turn up after the grace
   period do not check the booking in by being there (it was released at the end of the
   grace period); they can check in explicitly.
2. Not checked in, and the grace period is over: released as a no-show at exactly
   ``start + grace`` if the space was *seen* empty throughout ``[start, start + grace)``,
   or has no sensor at all (then only a check-in keeps a booking). If part of that window
   is unknown (terminal offline), the hub cannot tell and keeps the booking.
3. Checked in: released as abandoned at ``t + abandon_after`` when the space was seen
   empty from ``t`` for ``abandon_after``, before the end. Only emptiness that *began*
   after the check-in counts (people who checked in by hand were there, whatever a PIR
   sensor saw), and unknown time breaks an empty stretch: no release on missing data.
4. Checked in and past the end, not abandoned: ended.
5. Kept (an explanation, not a change of state): while checked in, each stretch of
   ``abandon_after`` without motion (the PIR's own events) that began after the check-in,
   at whose end the fused state still held the space occupied (a terminal with fusion:
   one person reading, a door closed behind people sitting still). It names the signals
   of the occupancy report in force, as a release names those of the vacant state.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hub.analytics.timeline import Segment, State
from hub.checkin.policy import CheckInPolicy
from hub.checkin.signals import (
    MotionEdge,
    StateNote,
    in_force,
    note_seen,
    quiet_stretches,
    signals_text,
)

# The smallest step of time: "just before" a deadline.
_INSTANT = timedelta(microseconds=1)

BOOKED, CHECKED_IN, RELEASED, CANCELLED, ENDED = (
    "booked",
    "checked_in",
    "released",
    "cancelled",
    "ended",
)
NO_SHOW, ABANDONED, MANUAL = "no_show", "abandoned", "manual"
# The decision that explains why a quiet room was not released.
KEPT = "kept"
OCCUPANCY = "occupancy"
# Check-ins a person made; they stay on the occurrence as evidence.
EXPLICIT_METHODS = frozenset({"api", "voice", "display"})


@dataclass(frozen=True)
class OccurrenceFacts:
    """What the rules need of an occurrence (a snapshot, not an ORM row)."""

    starts_at: datetime
    ends_at: datetime
    state: str
    checked_in_at: datetime | None = None
    check_in_method: str | None = None
    released_at: datetime | None = None
    release_reason: str | None = None


@dataclass(frozen=True)
class Evidence:
    """The space's timeline from before the start up to ``min(end, now)``; ``sensed`` is
    False for a space no terminal watches. ``notes``: the occupancy reports behind the
    timeline (the one in force at the start first), for the signals that decided;
    ``motion``: the room's motion sensors' edges (the last before the start first).
    ``counts_people``: a terminal of the room has a people counter (its bands are a
    head count)."""

    segments: list[Segment]
    sensed: bool = True
    notes: list[StateNote] = field(default_factory=list)
    motion: list[MotionEdge] = field(default_factory=list)
    counts_people: bool = False


@dataclass(frozen=True)
class Kept:
    """A quiet stretch the fused state kept: effective at ``at`` (when PIR alone would have
    released), quiet since ``quiet_from``."""

    at: datetime
    quiet_from: datetime
    explanation: str
    seen: list[dict[str, Any]]


@dataclass(frozen=True)
class Outcome:
    """Where the evidence says the occurrence stands.

    ``state`` is one of booked, checked_in, released, ended. ``checked_in_at`` and
    ``released_at`` are event times. ``seen`` lists the observations that decided it, for
    the audit trail. ``next_check`` is when, without new evidence, the answer could change
    next (the end of a grace period, of an empty stretch, or of the meeting).
    """

    state: str
    checked_in_at: datetime | None = None
    check_in_method: str | None = None
    released_at: datetime | None = None
    release_reason: str | None = None
    explanation: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)
    next_check: datetime | None = None
    kept: list[Kept] = field(default_factory=list)


def judge(
    facts: OccurrenceFacts, evidence: Evidence, policy: CheckInPolicy, now: datetime
) -> Outcome:
    """The state the evidence supports at ``now`` (manual releases and cancellations are
    people's decisions and are not judged: the caller leaves them alone)."""
    start, end = facts.starts_at, facts.ends_at
    grace_end = min(start + policy.grace, end)
    check_in = _check_in(facts, evidence, policy, grace_end)
    if check_in is None:
        return _not_checked_in(evidence, start, grace_end, now)
    at, method, seen = check_in
    abandoned = _abandoned(evidence, at, end, policy, now)
    if abandoned is not None:
        released_at, empty_from = abandoned
        vacant = _vacant_note(evidence, released_at)
        return Outcome(
            RELEASED,
            at,
            method,
            released_at,
            ABANDONED,
            f"released as abandoned: empty since {_hm(empty_from)}, "
            f"{_minutes(policy.abandon_after)} minutes without anyone{signals_text(vacant)}",
            [
                *seen,
                _seen(empty_from, "space seen empty", until=released_at),
                *([note_seen(vacant)] if vacant else []),
            ],
            kept=_kept(evidence, at, released_at, end, policy),
        )
    kept = _kept(evidence, at, min(now, end), end, policy)
    if now >= end:
        return Outcome(
            ENDED, at, method, explanation=_checked_in_text(at, method), seen=seen, kept=kept
        )
    next_check = _next_empty_deadline(evidence, at, end, policy)
    quiet_until = _next_quiet_deadline(evidence, at, now, policy)
    return Outcome(
        CHECKED_IN,
        at,
        method,
        explanation=_checked_in_text(at, method),
        seen=seen,
        next_check=next_check if quiet_until is None else min(next_check, quiet_until),
        kept=kept,
    )


def _check_in(
    facts: OccurrenceFacts, evidence: Evidence, policy: CheckInPolicy, grace_end: datetime
) -> tuple[datetime, str, list[dict[str, Any]]] | None:
    candidates: list[tuple[datetime, str, dict[str, Any]]] = []
    if (
        facts.checked_in_at is not None
        and facts.check_in_method in EXPLICIT_METHODS
        and facts.starts_at - policy.early_check_in <= facts.checked_in_at < facts.ends_at
    ):
        at = facts.checked_in_at
        candidates.append(
            (at, facts.check_in_method, _seen(at, f"checked in by {facts.check_in_method}"))
        )
    occupied = _first_occupied(evidence.segments, facts.starts_at, grace_end)
    if occupied is not None:
        candidates.append((occupied, OCCUPANCY, _seen(occupied, "space seen occupied")))
    if not candidates:
        return None
    at, method, seen = min(candidates, key=lambda c: c[0])
    return at, method, [seen]


def _not_checked_in(
    evidence: Evidence, start: datetime, grace_end: datetime, now: datetime
) -> Outcome:
    if now < grace_end:
        return Outcome(BOOKED, explanation="waiting for check-in", next_check=grace_end)
    if not evidence.sensed:
        return Outcome(
            RELEASED,
            released_at=grace_end,
            release_reason=NO_SHOW,
            explanation=f"released as a no-show at {_hm(grace_end)}: nobody checked in, "
            "and no sensor watches this space",
            seen=[_seen(start, "no check-in", until=grace_end)],
        )
    window = _clip(evidence.segments, start, grace_end)
    unknown = [s for s in window if s.state is State.UNKNOWN]
    if _covers(window, start, grace_end) and not unknown:
        vacant = _vacant_note(evidence, grace_end)
        return Outcome(
            RELEASED,
            released_at=grace_end,
            release_reason=NO_SHOW,
            explanation=f"released as a no-show at {_hm(grace_end)}: nobody checked in and "
            f"the space was seen empty from {_hm(start)} to {_hm(grace_end)}"
            f"{signals_text(vacant)}",
            seen=[
                _seen(start, "space seen empty", until=grace_end),
                _seen(start, "no check-in", until=grace_end),
                *([note_seen(vacant)] if vacant else []),
            ],
        )
    gap = unknown[0] if unknown else None
    explanation = (
        f"kept: no sensor data from {_hm(gap.start)} to {_hm(gap.end)}, so the hub cannot tell "
        "whether anyone came"
        if gap is not None
        else "kept: the terminal's reports do not reach the start of the booking yet"
    )
    if gap is None:  # the terminal's reports do not reach this far yet (a spool replaying)
        return Outcome(BOOKED, explanation=explanation)  # waiting, not a decision
    return Outcome(
        BOOKED, explanation=explanation, seen=[_seen(gap.start, "no sensor data", until=gap.end)]
    )


def _abandoned(
    evidence: Evidence, checked_in: datetime, end: datetime, policy: CheckInPolicy, now: datetime
) -> tuple[datetime, datetime] | None:
    """(release time, empty since) of the first empty stretch long enough, if any.

    Only emptiness that began after the check-in counts: a sensor that saw nobody when
    people checked in by hand missed them (a PIR misses people sitting still)."""
    for segment in evidence.segments:
        if segment.state is not State.VACANT or segment.start < checked_in:
            continue
        empty_from = segment.start
        release = empty_from + policy.abandon_after
        if release >= end:
            return None  # later stretches start later still
        if segment.end >= release and release <= now:
            return release, empty_from
    return None


def _next_empty_deadline(
    evidence: Evidence, checked_in: datetime, end: datetime, policy: CheckInPolicy
) -> datetime:
    """When an empty stretch going on now would release the meeting, else the end."""
    last = evidence.segments[-1] if evidence.segments else None
    if last is not None and last.state is State.VACANT and last.start >= checked_in:
        release = last.start + policy.abandon_after
        if release < end:
            return release
    return end


def _vacant_note(evidence: Evidence, at: datetime) -> StateNote | None:
    """The report of the vacant state in force just before ``at`` (what released it)."""
    note = in_force(evidence.notes, at - _INSTANT)
    return note if note is not None and not note.occupied else None


def _kept(
    evidence: Evidence,
    checked_in: datetime,
    until: datetime,
    end: datetime,
    policy: CheckInPolicy,
) -> list[Kept]:
    """Every stretch without motion of ``abandon_after`` in ``[checked_in, until]``, ending
    before the meeting's ``end``, at whose end the timeline was occupied (with only a PIR,
    the hub would have released then)."""
    kept = []
    for quiet_from, quiet_to in quiet_stretches(evidence.motion, checked_in, until):
        deadline = quiet_from + policy.abandon_after
        if deadline > quiet_to or deadline > until or deadline >= end:
            continue
        if _state_at(evidence.segments, deadline - _INSTANT) is not State.OCCUPIED:
            continue  # vacant: the abandon rule speaks; unknown: nothing to explain
        note = in_force(evidence.notes, deadline)
        occupied = note if note is not None and note.occupied else None
        minutes = _minutes(policy.abandon_after)
        kept.append(
            Kept(
                deadline,
                quiet_from,
                f"kept: no motion since {_hm(quiet_from)} for {minutes} min, but the room is "
                f"occupied{signals_text(occupied)}",
                [
                    _seen(quiet_from, "no motion", until=deadline),
                    *([note_seen(occupied)] if occupied else []),
                ],
            )
        )
    return kept


def _next_quiet_deadline(
    evidence: Evidence, checked_in: datetime, now: datetime, policy: CheckInPolicy
) -> datetime | None:
    """When the quiet stretch going on now reaches ``abandon_after`` (a kept decision)."""
    stretches = quiet_stretches(evidence.motion, checked_in, now)
    if not stretches or stretches[-1][1] < now:
        return None
    deadline = stretches[-1][0] + policy.abandon_after
    return deadline if now < deadline else None


def _state_at(segments: list[Segment], at: datetime) -> State:
    for segment in segments:
        if segment.start <= at < segment.end:
            return segment.state
    return State.UNKNOWN


def _first_occupied(segments: list[Segment], start: datetime, until: datetime) -> datetime | None:
    for segment in segments:
        if segment.state is State.OCCUPIED and segment.end > start and segment.start < until:
            return max(segment.start, start)
    return None


def _clip(segments: list[Segment], start: datetime, end: datetime) -> list[Segment]:
    return [
        Segment(max(s.start, start), min(s.end, end), s.state)
        for s in segments
        if s.end > start and s.start < end
    ]


def _covers(window: list[Segment], start: datetime, end: datetime) -> bool:
    """Segments are contiguous by construction; they must reach from start to end."""
    return bool(window) and window[0].start <= start and window[-1].end >= end


def _seen(at: datetime, what: str, *, until: datetime | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": at.isoformat(), "what": what}
    if until is not None:
        entry["until"] = until.isoformat()
    return entry


def _checked_in_text(at: datetime, method: str) -> str:
    how = "the space was seen occupied" if method == OCCUPANCY else f"check-in by {method}"
    return f"checked in at {_hm(at)}: {how}"


def _hm(at: datetime) -> str:
    return at.strftime("%H:%M:%S UTC")


def _minutes(delta: Any) -> str:
    return f"{delta.total_seconds() / 60:g}"
