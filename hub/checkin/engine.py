"""One look at the bookings: judge every occurrence that may change, apply, explain, notify.

Called by the runner on every tick, inside one transaction (``run_once``). Which
occurrences are looked at:

- ``booked`` or ``checked_in`` ones that have begun (their check-in window is open) and
  ended no longer than ``late_window`` ago;
- ones the hub itself released (no-show, abandoned) within that window, because evidence
  that arrives late may show the release was wrong.

Released by a person, cancelled or ended occurrences are final. Every change of state
writes a :class:`BookingDecision` (what was seen, when) and, where the organizer should
know, a notice in the outbox (hub.checkin.notify).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hub.analytics.headcount import BandPoint, meeting_head_count
from hub.checkin.autobook import auto_book
from hub.checkin.decisions import record
from hub.checkin.evidence import load_evidence
from hub.checkin.notify import queue_notice
from hub.checkin.policy import CheckInPolicy
from hub.checkin.rules import (
    ABANDONED,
    BOOKED,
    CHECKED_IN,
    ENDED,
    EXPLICIT_METHODS,
    KEPT,
    NO_SHOW,
    OCCUPANCY,
    RELEASED,
    Evidence,
    OccurrenceFacts,
    Outcome,
    judge,
)
from hub.checkin.strikes import update_strikes
from hub.db.models import Booking, BookingDecision, BookingOccurrence

# Decisions withheld for lack of data are recorded once per occurrence.
WITHHELD = "release_withheld"


@dataclass
class TickReport:
    looked_at: int = 0
    decisions: list[BookingDecision] = field(default_factory=list)
    # The earliest moment an answer may change without new evidence (a grace period ending).
    next_check: datetime | None = None

    def live_events(self) -> list[dict[str, Any]]:
        return [decision_event(d) for d in self.decisions]


def run_once(session: Session, now: datetime, policy: CheckInPolicy) -> TickReport:
    report = evaluate(session, _candidates(session, now, policy), now, policy)
    if policy.auto_book:
        # After the releases: a room released as a no-show may be taken by whoever is in it.
        report.decisions.extend(auto_book(session, now, policy))
    return report


def evaluate(
    session: Session,
    pairs: list[tuple[BookingOccurrence, Booking]],
    now: datetime,
    policy: CheckInPolicy,
) -> TickReport:
    """Judge these occurrences (locked by the caller) and apply what changed."""
    report = TickReport()
    report.looked_at = len(pairs)
    if not pairs:
        return report
    evidence = load_evidence(session, [occ for occ, _ in pairs], now, policy)
    kept_before = _kept_before(session, [occ.id for occ, _ in pairs])
    no_show_changed: set[str] = set()
    for occurrence, booking in pairs:
        seen = evidence[occurrence.id]
        outcome = judge(_facts(occurrence), seen, policy, now)
        report.next_check = _earliest(report.next_check, outcome.next_check, now)
        before = occurrence.release_reason if occurrence.state == RELEASED else None
        report.decisions.extend(_apply(session, occurrence, booking, outcome, now))
        report.decisions.extend(_explain_kept(session, occurrence, outcome, kept_before, now))
        _count_people(occurrence, outcome, seen, now)
        after = occurrence.release_reason if occurrence.state == RELEASED else None
        # Strikes change with a no-show that came or went, and with people turning up.
        came = occurrence.state == CHECKED_IN and booking.strikes > 0
        if came or (NO_SHOW in (before, after) and before != after):
            no_show_changed.add(booking.id)
    for booking_id in sorted(no_show_changed):
        report.decisions.extend(update_strikes(session, booking_id, now, policy))
    session.flush()
    return report


def _earliest(
    current: datetime | None, candidate: datetime | None, now: datetime
) -> datetime | None:
    if candidate is None or candidate <= now:
        return current
    return candidate if current is None or candidate < current else current


def _candidates(
    session: Session, now: datetime, policy: CheckInPolicy
) -> list[tuple[BookingOccurrence, Booking]]:
    open_or_hub_released = or_(
        BookingOccurrence.state.in_((BOOKED, CHECKED_IN)),
        and_(
            BookingOccurrence.state == RELEASED,
            BookingOccurrence.release_reason.in_((NO_SHOW, ABANDONED)),
        ),
    )
    rows = session.execute(
        select(BookingOccurrence, Booking)
        .join(Booking, Booking.id == BookingOccurrence.booking_id)
        .where(
            open_or_hub_released,
            BookingOccurrence.starts_at <= now + policy.early_check_in,
            BookingOccurrence.ends_at > now - policy.late_window,
        )
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)
        .with_for_update(of=BookingOccurrence)
    ).all()
    return [(occurrence, booking) for occurrence, booking in rows]


def _facts(occurrence: BookingOccurrence) -> OccurrenceFacts:
    # A check-in the hub inferred from occupancy is not evidence: the rules infer it again.
    explicit = occurrence.check_in_method in EXPLICIT_METHODS
    return OccurrenceFacts(
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        state=occurrence.state,
        checked_in_at=occurrence.checked_in_at if explicit else None,
        check_in_method=occurrence.check_in_method if explicit else None,
        released_at=occurrence.released_at,
        release_reason=occurrence.release_reason,
    )


def _apply(
    session: Session,
    occurrence: BookingOccurrence,
    booking: Booking,
    outcome: Outcome,
    now: datetime,
) -> list[BookingDecision]:
    decisions: list[BookingDecision] = []
    was_released = occurrence.state == RELEASED
    if was_released and (
        outcome.state != RELEASED
        or (outcome.release_reason, outcome.released_at)
        != (occurrence.release_reason, occurrence.released_at)
    ):
        decisions.append(_undo(session, occurrence, booking, outcome, now))
    newly_checked_in = (
        outcome.checked_in_at is not None
        and outcome.check_in_method == OCCUPANCY
        and occurrence.checked_in_at is None
    )
    if newly_checked_in:
        assert outcome.checked_in_at is not None
        occurrence.checked_in_at = outcome.checked_in_at
        occurrence.check_in_method = OCCUPANCY
        decisions.append(
            _decide(session, occurrence, "checked_in", outcome.checked_in_at, outcome, now)
        )
    if outcome.state == RELEASED and (
        not was_released or decisions  # first release, or released anew after an undo
    ):
        assert outcome.released_at is not None
        occurrence.state = RELEASED
        occurrence.released_at = outcome.released_at
        occurrence.release_reason = outcome.release_reason
        kind = f"released_{outcome.release_reason}"
        decisions.append(_decide(session, occurrence, kind, outcome.released_at, outcome, now))
        _notify(session, booking, occurrence, kind, outcome.explanation, now)
    elif outcome.state != RELEASED and outcome.state != BOOKED:
        occurrence.state = outcome.state  # checked_in or ended
    elif outcome.state == BOOKED and outcome.seen and not _withheld_before(session, occurrence):
        decisions.append(_decide(session, occurrence, WITHHELD, now, outcome, now))
    return decisions


def _undo(
    session: Session,
    occurrence: BookingOccurrence,
    booking: Booking,
    outcome: Outcome,
    now: datetime,
) -> BookingDecision:
    """A release the hub made is not what the evidence says any more: take it back."""
    previous = occurrence.release_reason
    occurrence.state = BOOKED if outcome.checked_in_at is None else CHECKED_IN
    occurrence.released_at = None
    occurrence.release_reason = None
    if outcome.check_in_method == OCCUPANCY and outcome.checked_in_at is not None:
        occurrence.checked_in_at = None  # set again just below, with its own decision
    explanation = f"release ({previous}) undone, evidence that arrived late: {outcome.explanation}"
    undone = Outcome(
        outcome.state,
        outcome.checked_in_at,
        outcome.check_in_method,
        explanation=explanation,
        seen=outcome.seen,
    )
    at = outcome.checked_in_at or now
    decision = _decide(session, occurrence, "release_undone", at, undone, now)
    _notify(session, booking, occurrence, "release_undone", explanation, now)
    return decision


def _decide(
    session: Session,
    occurrence: BookingOccurrence,
    kind: str,
    effective_at: datetime,
    outcome: Outcome,
    now: datetime,
) -> BookingDecision:
    return record(
        session,
        booking_id=occurrence.booking_id,
        occurrence_id=occurrence.id,
        kind=kind,
        effective_at=effective_at,
        explanation=outcome.explanation,
        evidence=outcome.seen,
        now=now,
    )


def _kept_before(session: Session, occurrence_ids: list[int]) -> dict[int, set[datetime]]:
    """When each occurrence's recorded ``kept`` decisions took effect (one per quiet stretch)."""
    found: dict[int, set[datetime]] = defaultdict(set)
    rows = session.execute(
        select(BookingDecision.occurrence_id, BookingDecision.effective_at).where(
            BookingDecision.occurrence_id.in_(occurrence_ids), BookingDecision.kind == KEPT
        )
    )
    for occurrence_id, effective_at in rows:
        if occurrence_id is not None:
            found[occurrence_id].add(effective_at)
    return found


def _explain_kept(
    session: Session,
    occurrence: BookingOccurrence,
    outcome: Outcome,
    kept_before: dict[int, set[datetime]],
    now: datetime,
) -> list[BookingDecision]:
    """A ``kept`` decision for each quiet stretch the fused state kept, once: a stretch is
    known by when PIR alone would have released (its ``effective_at``)."""
    decisions = []
    for kept in outcome.kept:
        if kept.at in kept_before[occurrence.id]:
            continue
        kept_before[occurrence.id].add(kept.at)
        decisions.append(
            record(
                session,
                booking_id=occurrence.booking_id,
                occurrence_id=occurrence.id,
                kind=KEPT,
                effective_at=kept.at,
                explanation=kept.explanation,
                evidence=kept.seen,
                now=now,
            )
        )
    return decisions


def _count_people(
    occurrence: BookingOccurrence, outcome: Outcome, evidence: Evidence, now: datetime
) -> None:
    """The meeting's sensor head count (``peak_people``, for right-sizing) from the bands of
    a room with a people counter, kept up to date while it is held."""
    if not evidence.counts_people or outcome.checked_in_at is None:
        return
    if outcome.state not in (CHECKED_IN, ENDED, RELEASED):
        return
    until = min(now, occurrence.ends_at, outcome.released_at or occurrence.ends_at)
    bands = [BandPoint(n.ts, n.occupied, n.band, n.band_top) for n in evidence.notes]
    people = meeting_head_count(bands, occurrence.starts_at, until)
    if people is not None and people != occurrence.peak_people:
        occurrence.peak_people = people


def _withheld_before(session: Session, occurrence: BookingOccurrence) -> bool:
    found = session.scalar(
        select(BookingDecision.id).where(
            BookingDecision.occurrence_id == occurrence.id, BookingDecision.kind == WITHHELD
        )
    )
    return found is not None


def _notify(
    session: Session,
    booking: Booking,
    occurrence: BookingOccurrence,
    kind: str,
    explanation: str,
    now: datetime,
) -> None:
    if booking.organizer_id is not None:
        queue_notice(session, booking.organizer_id, kind, booking, occurrence, explanation, now)


def decision_event(decision: BookingDecision) -> dict[str, Any]:
    """The live-feed event for a decision (dashboards and door displays)."""
    return {
        "type": "booking",
        "kind": decision.kind,
        "booking_id": decision.booking_id,
        "occurrence_id": decision.occurrence_id,
        "effective_at": decision.effective_at.isoformat(),
        "explanation": decision.explanation,
    }
