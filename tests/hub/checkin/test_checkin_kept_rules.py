"""The pure rules for 'kept' (issue 8): a quiet stretch the fused state held occupied is
explained once per stretch, and releases name the signals of the vacant state."""

from datetime import UTC, datetime, timedelta

from hub.analytics.timeline import Segment, State
from hub.checkin.policy import CheckInPolicy
from hub.checkin.rules import (
    ABANDONED,
    CHECKED_IN,
    ENDED,
    RELEASED,
    Evidence,
    OccurrenceFacts,
    judge,
)
from hub.checkin.signals import MotionEdge, StateNote, in_force, quiet_stretches

POLICY = CheckInPolicy()  # grace 10 min, abandoned after 15 min
START, END = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 10, tzinfo=UTC)
FACTS = OccurrenceFacts(starts_at=START, ends_at=END, state="booked")
SEALED = ("door_sealed", "presence-1")


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def pulse(minute: float, sensor: str = "pir") -> list[MotionEdge]:
    return [MotionEdge(at(minute), sensor, True), MotionEdge(at(minute + 0.1), sensor, False)]


def occupied_from(minute: float, until: float) -> list[Segment]:
    return [
        Segment(at(-5), at(minute), State.VACANT),
        Segment(at(minute), at(until), State.OCCUPIED),
    ]


def notes(*extra: StateNote) -> list[StateNote]:
    return [StateNote(at(-30), False, ("pir",)), StateNote(at(2), True, ("pir", "radar")), *extra]


def test_a_quiet_room_the_fused_state_holds_is_kept_and_the_signals_named() -> None:
    evidence = Evidence(
        occupied_from(2, 40),
        notes=notes(StateNote(at(4), True, SEALED, probability=0.98, band=1, band_top=3)),
        motion=pulse(2),
    )
    outcome = judge(FACTS, evidence, POLICY, at(40))
    assert outcome.state == CHECKED_IN
    [kept] = outcome.kept
    assert (kept.quiet_from, kept.at) == (at(2.1), at(17.1))
    assert kept.explanation == (
        "kept: no motion since 09:02:06 UTC for 15 min, but the room is occupied "
        "(door_sealed, presence-1)"
    )
    assert kept.seen[1] == {
        "at": at(4).isoformat(),
        "what": "space reported occupied",
        "signals": list(SEALED),
        "probability": 0.98,
    }
    # Re-derived, not remembered: the same stretch gives the same decision on every look.
    assert judge(FACTS, evidence, POLICY, at(41)).kept == [kept]


def test_each_quiet_stretch_is_kept_once_and_motion_breaks_a_stretch() -> None:
    evidence = Evidence(occupied_from(2, 60), notes=notes(), motion=[*pulse(2), *pulse(30)])
    outcome = judge(FACTS, evidence, POLICY, at(60))
    assert outcome.state == ENDED
    assert [k.at for k in outcome.kept] == [at(17.1), at(45.1)]
    # Motion every ten minutes: never quiet for long enough, nothing to explain.
    busy = [edge for minute in range(2, 60, 10) for edge in pulse(minute)]
    assert judge(FACTS, Evidence(occupied_from(2, 60), motion=busy), POLICY, at(60)).kept == []


def test_nothing_is_kept_without_motion_evidence_or_before_the_quiet_deadline() -> None:
    assert judge(FACTS, Evidence(occupied_from(2, 40), notes=notes()), POLICY, at(40)).kept == []
    early = judge(FACTS, Evidence(occupied_from(2, 10), motion=pulse(2)), POLICY, at(10))
    assert early.kept == []
    # The next look is due when the quiet stretch reaches 15 minutes.
    assert early.next_check == at(17.1)


def test_a_quiet_stretch_reaching_past_the_end_keeps_nothing() -> None:
    evidence = Evidence(occupied_from(2, 60), motion=[*pulse(2), *pulse(50)])
    assert [k.at for k in judge(FACTS, evidence, POLICY, at(60)).kept] == [at(17.1)]


def test_a_quiet_vacant_room_is_released_naming_the_vacant_report() -> None:
    segments = [
        Segment(at(-5), at(2), State.VACANT),
        Segment(at(2), at(7), State.OCCUPIED),
        Segment(at(7), at(30), State.VACANT),
    ]
    vacant = StateNote(at(7), False, ("pir",), probability=0.1)
    evidence = Evidence(segments, notes=notes(vacant), motion=pulse(2))
    outcome = judge(FACTS, evidence, POLICY, at(30))
    assert (outcome.state, outcome.release_reason, outcome.released_at) == (
        RELEASED,
        ABANDONED,
        at(22),
    )
    assert outcome.explanation.endswith("15 minutes without anyone (pir)")
    assert outcome.seen[-1]["what"] == "space reported vacant"
    assert outcome.seen[-1]["signals"] == ["pir"]
    assert outcome.kept == []  # vacant at the quiet deadline: released, not kept


def test_quiet_stretches_follow_every_motion_sensor() -> None:
    edges = [
        MotionEdge(at(-10), "a", True),  # before the window, still active at its start
        MotionEdge(at(1), "b", True),
        MotionEdge(at(2), "a", False),  # b still moves
        MotionEdge(at(3), "b", False),
        MotionEdge(at(20), "a", True),
        MotionEdge(at(21), "a", False),
    ]
    assert quiet_stretches(edges, at(0), at(30)) == [(at(3), at(20)), (at(21), at(30))]
    assert quiet_stretches([], at(0), at(30)) == []


def test_the_note_in_force_is_the_newest_at_or_before() -> None:
    first, second = StateNote(at(0), True), StateNote(at(5), True, ("x",))
    assert in_force([first, second], at(4)) is first
    assert in_force([first, second], at(5)) is second
    assert in_force([first, second], at(-1)) is None
