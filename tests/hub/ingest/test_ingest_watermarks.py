"""Watermarks and replay requests against a real migrated SQLite file, via apply_batch."""

from ingest_builders import BOOT_1, BOOT_2, Raw, Terminal, aurora, east
from ingest_builders import apply_raws as run
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract.commands import AckCommand, ReplayCommand
from hub.db.models import GivenUpRange, IngestStream
from hub.ingest.apply import BatchResult
from hub.ingest.replays import missing_ranges, sweep
from hub.ingest.watermark_types import (
    GAP_GRACE_S,
    REPLAY_INTERVAL_S,
    MarkCache,
    ReplayPolicy,
    StreamKey,
    StreamTouch,
    merge_touches,
)
from hub.ingest.watermarks import settle_deferred

Factory = sessionmaker[Session]


def acks(result: BatchResult) -> dict[tuple[str, str], int]:
    return {
        (out.device_id, out.command.boot): out.command.through_seq
        for out in result.commands
        if isinstance(out.command, AckCommand)
    }


def replays(commands: list) -> list[tuple[str, str, list[tuple[int, int]]]]:
    return [
        (out.device_id, out.command.boot, [(r.first, r.last) for r in out.command.ranges])
        for out in commands
        if isinstance(out.command, ReplayCommand)
    ]


def occupancy_run(terminal: Terminal, seqs: list[int]) -> list[Raw]:
    return [terminal.occupancy(seq % 2 == 0, seq=seq) for seq in seqs]


def run_sweep(factory: Factory, clock: FakeClock) -> list:
    with factory() as session, session.begin():
        return sweep(session, clock.now())


def test_in_order_messages_are_acknowledged_through_the_last(
    session_factory: Factory, clock: FakeClock
) -> None:
    t = aurora()
    result = run(session_factory, clock, *occupancy_run(t, [1, 2, 3]))
    assert acks(result) == {("term-hq-f1-aurora", BOOT_1): 3}
    assert replays(result.commands) == []
    # The ack goes to the terminal's own room.
    assert {out.room_id for out in result.commands} == {"hq-f1-aurora"}


def test_each_boot_and_device_has_its_own_watermark(
    session_factory: Factory, clock: FakeClock
) -> None:
    raws = occupancy_run(aurora(), [1, 2]) + occupancy_run(aurora(boot=BOOT_2), [1])
    raws += occupancy_run(east(), [1, 2, 3, 4])
    result = run(session_factory, clock, *raws)
    assert acks(result) == {
        ("term-hq-f1-aurora", BOOT_1): 2,
        ("term-hq-f1-aurora", BOOT_2): 1,
        ("term-hq-f2-east-desks", BOOT_1): 4,
    }


def test_a_duplicate_is_acknowledged_again(session_factory: Factory, clock: FakeClock) -> None:
    raws = occupancy_run(aurora(), [1, 2])
    run(session_factory, clock, *raws)
    again = run(session_factory, clock, raws[0])
    assert again.duplicates == 1
    assert acks(again) == {("term-hq-f1-aurora", BOOT_1): 2}


def test_a_hole_holds_the_watermark_then_a_replay_is_asked_after_the_grace(
    session_factory: Factory, clock: FakeClock
) -> None:
    t = aurora()
    first = run(session_factory, clock, *occupancy_run(t, [1, 2, 4, 5, 8]))
    assert acks(first) == {("term-hq-f1-aurora", BOOT_1): 2}
    assert replays(first.commands) == []  # it may only be out of order: wait first
    clock.advance(GAP_GRACE_S / 2)
    assert replays(run_sweep(session_factory, clock)) == []
    clock.advance(GAP_GRACE_S)
    asked = run_sweep(session_factory, clock)
    assert replays(asked) == [("term-hq-f1-aurora", BOOT_1, [(3, 3), (6, 7)])]
    # Not asked again before the replay interval, even as more arrives.
    clock.advance(1)
    assert replays(run(session_factory, clock, *occupancy_run(t, [9])).commands) == []
    clock.advance(REPLAY_INTERVAL_S)
    assert replays(run_sweep(session_factory, clock)) == [
        ("term-hq-f1-aurora", BOOT_1, [(3, 3), (6, 7)])
    ]
    with session_factory() as session:
        stream = session.get(IngestStream, ("term-hq-f1-aurora", BOOT_1))
        assert stream is not None and stream.replays_requested == 2


def test_the_replayed_messages_close_the_hole(session_factory: Factory, clock: FakeClock) -> None:
    t = aurora()
    run(session_factory, clock, *occupancy_run(t, [1, 3]))
    clock.advance(GAP_GRACE_S * 2)
    run_sweep(session_factory, clock)
    closed = run(session_factory, clock, *occupancy_run(t, [2]))
    assert acks(closed) == {("term-hq-f1-aurora", BOOT_1): 3}
    with session_factory() as session:
        stream = session.get(IngestStream, ("term-hq-f1-aurora", BOOT_1))
        assert stream is not None and stream.gap_since is None
    clock.advance(REPLAY_INTERVAL_S * 2)
    assert run_sweep(session_factory, clock) == []


def test_ranges_given_up_by_the_terminal_are_not_waited_for(
    session_factory: Factory, clock: FakeClock
) -> None:
    old = aurora()
    run(session_factory, clock, *occupancy_run(old, [1, 2, 6]))
    # After a restart the new boot reports that its spool dropped 3..5 of the old boot.
    new = aurora(boot=BOOT_2)
    result = run(session_factory, clock, new.spool_gap(BOOT_1, [(3, 4), (5, 5)]))
    assert acks(result) == {("term-hq-f1-aurora", BOOT_1): 6, ("term-hq-f1-aurora", BOOT_2): 1}
    with session_factory() as session:
        ranges = session.execute(
            select(GivenUpRange.boot, GivenUpRange.first_seq, GivenUpRange.last_seq)
        ).all()
    assert sorted(ranges) == [(BOOT_1, 3, 4), (BOOT_1, 5, 5)]
    # A message given up but still delivered later is stored all the same.
    late = run(session_factory, clock, old.occupancy(True, seq=4))
    assert late.stored == 1 and acks(late) == {("term-hq-f1-aurora", BOOT_1): 6}


def test_a_gap_report_for_a_boot_never_seen_moves_its_watermark(
    session_factory: Factory, clock: FakeClock
) -> None:
    result = run(session_factory, clock, aurora(boot=BOOT_2).spool_gap(BOOT_1, [(1, 40)]))
    assert acks(result)[("term-hq-f1-aurora", BOOT_1)] == 40


def test_a_far_jump_in_seq_stays_cheap(session_factory: Factory, clock: FakeClock) -> None:
    t = aurora()
    run(session_factory, clock, *occupancy_run(t, [1, 2_000_000_000]))
    clock.advance(GAP_GRACE_S * 2)
    # Asked for in parts: a replay arrives as a burst that must fit the receive window.
    assert replays(run_sweep(session_factory, clock)) == [
        ("term-hq-f1-aurora", BOOT_1, [(2, 1001)])
    ]


def test_a_long_hole_is_asked_for_part_by_part_as_each_part_arrives(
    session_factory: Factory, clock: FakeClock
) -> None:
    t = aurora()
    policy = ReplayPolicy(max_per_request=3)

    def sweep_now() -> list:
        with session_factory() as session, session.begin():
            return sweep(session, clock.now(), policy)

    run(session_factory, clock, *occupancy_run(t, [1, 9]))
    clock.advance(GAP_GRACE_S * 2)
    assert replays(sweep_now()) == [("term-hq-f1-aurora", BOOT_1, [(2, 4)])]
    run(session_factory, clock, *occupancy_run(t, [2, 3, 4]))
    sweep_now()  # progress: the rest is a new hole, timed afresh
    clock.advance(GAP_GRACE_S * 2)  # well within the replay interval
    assert replays(sweep_now()) == [("term-hq-f1-aurora", BOOT_1, [(5, 7)])]


def stored_mark(factory: Factory, device: str, boot: str) -> tuple[int, int]:
    with factory() as session:
        stream = session.get(IngestStream, (device, boot))
        assert stream is not None
        return stream.through_seq, stream.highest_seq


def test_the_in_order_shortcut_agrees_with_the_database_walk(
    session_factory: Factory, clock: FakeClock
) -> None:
    t, cache = aurora(), MarkCache()
    batches = [[1, 2], [3], [4, 5, 6], [8], [7], [7, 9]]  # a hole, closed; then a duplicate
    expected_acks = [2, 3, 6, 6, 8, 9]
    for seqs, expected in zip(batches, expected_acks, strict=True):
        result = run(session_factory, clock, *occupancy_run(t, seqs), marks=cache)
        assert acks(result) == {("term-hq-f1-aurora", BOOT_1): expected}
        assert stored_mark(session_factory, "term-hq-f1-aurora", BOOT_1)[0] == expected


def test_a_worker_with_a_stale_cache_never_lowers_the_watermark(
    session_factory: Factory, clock: FakeClock
) -> None:
    t = aurora()
    worker_a, worker_b = MarkCache(), MarkCache()
    run(session_factory, clock, *occupancy_run(t, [1, 2]), marks=worker_a)
    run(session_factory, clock, *occupancy_run(t, [3, 4, 5]), marks=worker_b)
    # Worker A still believes the mark is 2; seq 6 is not contiguous with that.
    result = run(session_factory, clock, *occupancy_run(t, [6]), marks=worker_a)
    assert acks(result) == {("term-hq-f1-aurora", BOOT_1): 6}
    # Worker B's cache says 5; it stores 7 in order and must not lower anything either.
    run(session_factory, clock, *occupancy_run(t, [7]), marks=worker_b)
    assert stored_mark(session_factory, "term-hq-f1-aurora", BOOT_1) == (7, 7)


def always(_key: StreamKey) -> bool:
    return True


def test_a_deferred_stream_is_settled_later_in_one_go(
    session_factory: Factory, clock: FakeClock
) -> None:
    """Streams split between workers are settled when their ack is due, not in every batch:
    a deferring batch stores, records given-up ranges, and leaves the watermark alone."""
    t = aurora()
    run(session_factory, clock, *occupancy_run(t, [1]))  # the stream exists, mark 1
    held: dict[StreamKey, StreamTouch] = {}
    first = run(session_factory, clock, *occupancy_run(t, [3, 2]), defer=always)
    gap = t.spool_gap(BOOT_1, [(5, 6)], seq=4)
    second = run(session_factory, clock, gap, *occupancy_run(t, [8]), defer=always)
    for result in (first, second):
        assert acks(result) == {}
        merge_touches(held, result.deferred)
    assert stored_mark(session_factory, "term-hq-f1-aurora", BOOT_1) == (1, 1)
    assert set(held) == {("term-hq-f1-aurora", BOOT_1)}

    with session_factory() as session, session.begin():
        settled = settle_deferred(session, held, clock.now())
    # 2, 3, 4 stored, 5-6 given up, 7 missing, 8 stored: the mark stops below the hole.
    assert [(o.device_id, o.command) for o in settled.commands] == [
        ("term-hq-f1-aurora", AckCommand(boot=BOOT_1, through_seq=6))
    ]
    assert stored_mark(session_factory, "term-hq-f1-aurora", BOOT_1) == (6, 8)


def test_deferred_touches_keep_the_room_and_the_highest_seq_reported() -> None:
    key = ("term-hq-f1-aurora", BOOT_1)
    held: dict[StreamKey, StreamTouch] = {}
    merge_touches(held, {key: StreamTouch("old-room", highest_seq=9, new_seqs=[9])})
    merge_touches(held, {key: StreamTouch("hq-f1-aurora", 4, [4], given_up=[(10, 12, "x")])})
    assert held == {key: StreamTouch("hq-f1-aurora", highest_seq=12)}


def test_missing_ranges_merges_stored_and_given_up() -> None:
    assert missing_ranges(0, 10, [1, 2, 5, 9], [(6, 7)]) == [(3, 4), (8, 8), (10, 10)]
    assert missing_ranges(4, 10, [5, 6, 7, 8, 9, 10], []) == []
    assert missing_ranges(0, 5, [], [(1, 100)]) == []
    assert missing_ranges(2, 3, [1, 2], [(1, 1)]) == [(3, 3)]
