"""apply_batch against a real migrated SQLite file: valid messages, duplicates, ordering."""

import json
from datetime import timedelta
from pathlib import Path

import orjson
from ingest_builders import BOOT_1, BOOT_2, T0, Raw, aurora, east
from ingest_builders import apply_raws as run
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.db.models import (
    DeadLetter,
    Device,
    DeviceStatusChange,
    IngestedMessage,
    OccupancyChange,
    SensorEvent,
    SpaceState,
)

GOLDEN = Path(__file__).resolve().parents[2] / "contract" / "golden"

Factory = sessionmaker[Session]


def golden(name: str) -> Raw:
    example = json.loads((GOLDEN / f"{name}.json").read_text())
    return example["topic"], orjson.dumps(example["payload"])


def count(factory: Factory, model: type) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def space(factory: Factory, kind: str, space_id: str) -> SpaceState | None:
    with factory() as session:
        return session.get(SpaceState, (kind, space_id))


def device(factory: Factory, device_id: str) -> Device:
    with factory() as session:
        row = session.get(Device, device_id)
        assert row is not None
        return row


# -- golden messages of each type -----------------------------------------------------


def test_golden_room_occupancy_is_stored(session_factory: Factory, clock: FakeClock) -> None:
    result = run(session_factory, clock, golden("occupancy_room"))
    assert (result.stored, result.duplicates, result.dead) == (1, 0, [])
    with session_factory() as session:
        ledger = session.scalars(select(IngestedMessage)).one()
        assert (ledger.device_id, ledger.boot, ledger.seq, ledger.type) == (
            "term-hq-f1-aurora",
            "20261127T085957-3fa2c1d0",
            7,
            "occupancy",
        )
        assert ledger.received_at == clock.now() and ledger.stored_at == clock.now()
        change = session.scalars(select(OccupancyChange)).one()
        assert (change.space_kind, change.space_id) == ("room", "hq-f1-aurora") and change.occupied
        assert change.signals == ["pir-ceiling"] and change.ts == ledger.ts
    state = space(session_factory, "room", "hq-f1-aurora")
    assert state is not None and state.occupied and state.since == ledger.ts
    assert result.events == [
        {
            "type": "space",
            "space_kind": "room",
            "space_id": "hq-f1-aurora",
            "room_id": "hq-f1-aurora",
            "occupied": True,
            "since": ledger.ts.isoformat(),
        }
    ]
    seen = device(session_factory, "term-hq-f1-aurora")
    assert seen.last_seen_at == clock.now() and not seen.online  # only status sets online


def test_golden_desk_occupancy_is_stored(session_factory: Factory, clock: FakeClock) -> None:
    result = run(session_factory, clock, golden("occupancy_desk"))
    assert result.stored == 1
    state = space(session_factory, "desk", "hq-f2-e03")
    assert state is not None and not state.occupied
    assert result.events[0]["room_id"] == "hq-f2-east"


def test_golden_heartbeat_initialises_missing_states_only(
    session_factory: Factory, clock: FakeClock
) -> None:
    run(session_factory, clock, golden("occupancy_desk"))  # e03 has a real state already
    result = run(session_factory, clock, golden("heartbeat"))
    assert result.stored == 1
    assert count(session_factory, IngestedMessage) == 2
    assert count(session_factory, OccupancyChange) == 1  # a snapshot is not a change
    room = space(session_factory, "room", "hq-f2-east")
    e01 = space(session_factory, "desk", "hq-f2-e01")
    assert room is not None and room.occupied and e01 is not None and e01.occupied
    assert {(e["space_kind"], e["space_id"]) for e in result.events} == {
        ("room", "hq-f2-east"),
        ("desk", "hq-f2-e01"),
    }
    # A second heartbeat saying otherwise does not override: only changes move live state.
    result = run(session_factory, clock, east().heartbeat([("desk", "hq-f2-e01", False)]))
    assert result.events == []
    e01 = space(session_factory, "desk", "hq-f2-e01")
    assert e01 is not None and e01.occupied


def test_golden_sensor_event_is_stored(session_factory: Factory, clock: FakeClock) -> None:
    result = run(session_factory, clock, golden("sensor_event"))
    assert result.stored == 1 and result.events == []
    with session_factory() as session:
        event = session.scalars(select(SensorEvent)).one()
        assert (event.device_id, event.sensor_id, event.kind, event.active) == (
            "term-hq-f1-aurora",
            "door",
            "door_contact",
            False,
        )


def test_golden_status_sets_online_then_will_sets_offline(
    session_factory: Factory, clock: FakeClock
) -> None:
    result = run(session_factory, clock, golden("status_online"))
    assert result.stored == 1 and result.events[0]["online"] is True
    row = device(session_factory, "term-hq-f1-aurora")
    assert row.online and row.software_version == "0.1.0"
    assert row.boot == "20261127T085957-3fa2c1d0" and row.status_changed_at == clock.now()
    assert count(session_factory, IngestedMessage) == 0  # status is outside the ledger

    clock.advance(3600)
    result = run(session_factory, clock, golden("status_will"))
    row = device(session_factory, "term-hq-f1-aurora")
    # The will's envelope ts is from connect time; the transition is stamped on receipt.
    assert not row.online and row.status_changed_at == clock.now()
    assert result.events == [
        {
            "type": "device",
            "device_id": "term-hq-f1-aurora",
            "room_id": "hq-f1-aurora",
            "online": False,
            "at": clock.now().isoformat(),
        }
    ]
    with session_factory() as session:
        changes = session.scalars(select(DeviceStatusChange).order_by(DeviceStatusChange.id)).all()
        assert [(c.online, c.reason) for c in changes] == [(True, "start"), (False, "will")]


# -- duplicates -----------------------------------------------------------------------


def test_duplicates_within_a_batch_and_across_batches_are_stored_once(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    first, second = terminal.occupancy(True), terminal.occupancy(False)
    result = run(session_factory, clock, first, first, second)
    assert (result.stored, result.duplicates) == (2, 1)
    result = run(session_factory, clock, second, first)
    assert (result.stored, result.duplicates) == (0, 2)
    assert result.events == []
    assert count(session_factory, IngestedMessage) == 2
    assert count(session_factory, OccupancyChange) == 2
    state = space(session_factory, "room", "hq-f1-aurora")
    assert state is not None and not state.occupied


def test_same_seq_in_another_boot_is_a_new_message(
    session_factory: Factory, clock: FakeClock
) -> None:
    result = run(
        session_factory,
        clock,
        aurora(boot=BOOT_1).sensor("door", True),
        aurora(boot=BOOT_2).sensor("door", True),
    )
    assert (result.stored, result.duplicates) == (2, 0)


# -- order of occupancy changes ----------------------------------------------------------


def test_late_older_change_goes_to_history_but_not_live_state(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    occupied_at_10 = terminal.occupancy(True, ts=T0 + timedelta(hours=2))
    vacant_at_9 = terminal.occupancy(False, ts=T0 + timedelta(hours=1))  # sent earlier, late
    run(session_factory, clock, occupied_at_10)
    result = run(session_factory, clock, vacant_at_9)
    assert result.stored == 1 and result.events == []
    state = space(session_factory, "room", "hq-f1-aurora")
    assert state is not None and state.occupied and state.since == T0 + timedelta(hours=2)
    assert count(session_factory, OccupancyChange) == 2


def test_late_change_loses_to_a_newer_repeat_of_the_same_value(
    session_factory: Factory, clock: FakeClock
) -> None:
    """since stays at 10:00 after a repeat at 10:30, yet a late 10:15 change must not win;
    it does end the run that began at 10:00, so the room is occupied since 10:30."""
    terminal = aurora()
    run(session_factory, clock, terminal.occupancy(True, ts=T0 + timedelta(minutes=0)))
    run(session_factory, clock, terminal.occupancy(True, ts=T0 + timedelta(minutes=30)))
    result = run(session_factory, clock, terminal.occupancy(False, ts=T0 + timedelta(minutes=15)))
    since = T0 + timedelta(minutes=30)
    assert [(e["occupied"], e["since"]) for e in result.events] == [(True, since.isoformat())]
    state = space(session_factory, "room", "hq-f1-aurora")
    assert state is not None and state.occupied and state.since == since


def test_live_state_does_not_depend_on_the_order_changes_arrive_in(
    session_factory: Factory, clock: FakeClock
) -> None:
    """As when two hub workers commit one room's changes in either order."""
    minutes = [0, 10, 20, 30, 40, 50]
    values = [True, False, True, True, False, False]
    terminal = aurora()
    raws = [
        terminal.occupancy(value, ts=T0 + timedelta(minutes=m))
        for m, value in zip(minutes, values, strict=True)
    ]
    for raw in (raws[4], raws[2], raws[5], raws[0], raws[3], raws[1]):
        run(session_factory, clock, raw)
    state = space(session_factory, "room", "hq-f1-aurora")
    assert state is not None and not state.occupied
    assert (state.since, state.last_change_ts) == (
        T0 + timedelta(minutes=40),
        T0 + timedelta(minutes=50),
    )


def test_changes_within_one_batch_apply_in_device_time_order(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = east()
    result = run(
        session_factory,
        clock,
        terminal.occupancy(True, space="desk", space_id="hq-f2-e02", ts=T0 + timedelta(minutes=5)),
        terminal.occupancy(False, space="desk", space_id="hq-f2-e02", ts=T0 + timedelta(minutes=9)),
        terminal.occupancy(True, space="desk", space_id="hq-f2-e02", ts=T0 + timedelta(minutes=7)),
    )
    assert [e["occupied"] for e in result.events] == [True, False]
    state = space(session_factory, "desk", "hq-f2-e02")
    assert state is not None and not state.occupied and state.since == T0 + timedelta(minutes=9)


# -- status across boots -----------------------------------------------------------------


def test_late_will_of_an_older_boot_does_not_mark_the_new_boot_offline(
    session_factory: Factory, clock: FakeClock
) -> None:
    old, new = aurora(boot=BOOT_1), aurora(boot=BOOT_2)
    run(session_factory, clock, old.status("online"))
    clock.advance(60)
    run(session_factory, clock, new.status("online"))  # restarted before the old will fired
    clock.advance(30)
    result = run(session_factory, clock, old.status("offline", reason="will"))
    assert (result.stored, result.duplicates, result.events) == (0, 1, [])
    row = device(session_factory, "term-hq-f1-aurora")
    assert row.online and row.boot == BOOT_2


def test_sequenced_message_of_a_new_boot_supersedes_the_old_boots_will(
    session_factory: Factory, clock: FakeClock
) -> None:
    old, new = aurora(boot=BOOT_1), aurora(boot=BOOT_2)
    run(session_factory, clock, old.status("online"), new.occupancy(True))
    result = run(session_factory, clock, old.status("offline", reason="will"))
    assert result.duplicates == 1
    assert device(session_factory, "term-hq-f1-aurora").online


def test_boots_started_in_the_same_second_are_ordered_by_arrival(
    session_factory: Factory, clock: FakeClock
) -> None:
    # The random part of the second id sorts lower: it must not make the new boot "older".
    first, second = aurora(boot="20260105T080000-ffff0001"), aurora(boot="20260105T080000-0000aaaa")
    run(session_factory, clock, first.status("online"), first.status("offline", reason="will"))
    result = run(session_factory, clock, second.status("online"), second.occupancy(True))
    assert (result.stored, result.duplicates) == (2, 0)
    row = device(session_factory, "term-hq-f1-aurora")
    assert row.online and row.boot == "20260105T080000-0000aaaa"
    result = run(session_factory, clock, first.sensor("door", True))  # a late message of the first
    assert result.stored == 1
    assert device(session_factory, "term-hq-f1-aurora").boot == "20260105T080000-0000aaaa"


def test_will_then_new_boot_online_in_order(session_factory: Factory, clock: FakeClock) -> None:
    old, new = aurora(boot=BOOT_1), aurora(boot=BOOT_2)
    result = run(
        session_factory,
        clock,
        old.status("online"),
        old.status("offline", reason="will"),
        new.status("online"),
    )
    assert [e["online"] for e in result.events] == [True, False, True]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DeviceStatusChange)) == 3


def test_status_repeated_by_the_terminal_changes_only_last_seen(
    session_factory: Factory, clock: FakeClock
) -> None:
    status = aurora().status("online")
    run(session_factory, clock, status)
    changed_at = device(session_factory, "term-hq-f1-aurora").status_changed_at
    clock.advance(600)  # the terminal reconnected and announces itself again
    result = run(session_factory, clock, aurora().status("online", reason="reconnect"))
    assert result.events == [] and result.stored == 1
    row = device(session_factory, "term-hq-f1-aurora")
    assert row.online and row.status_changed_at == changed_at and row.last_seen_at == clock.now()
    assert count(session_factory, DeviceStatusChange) == 1


def test_retained_status_redelivered_after_a_hub_reconnect_changes_nothing(
    session_factory: Factory, clock: FakeClock
) -> None:
    online, will = aurora().status("online"), aurora().status("offline", reason="will")
    run(session_factory, clock, online)
    clock.advance(60)
    run(session_factory, clock, will)
    before = device(session_factory, "term-hq-f1-aurora")
    clock.advance(86400)  # days later the hub restarts and gets the retained will again
    result = run(session_factory, clock, will, retained=True)
    assert result.events == []
    after = device(session_factory, "term-hq-f1-aurora")
    assert not after.online
    assert (after.last_seen_at, after.status_changed_at) == (
        before.last_seen_at,
        before.status_changed_at,
    )
    assert count(session_factory, DeviceStatusChange) == 2


def test_retained_status_is_still_news_to_a_hub_that_never_heard_it(
    session_factory: Factory, clock: FakeClock
) -> None:
    result = run(session_factory, clock, aurora().status("online"), retained=True)
    assert [e["online"] for e in result.events] == [True]
    row = device(session_factory, "term-hq-f1-aurora")
    assert row.online and row.status_changed_at == clock.now() and row.last_seen_at is None


def test_rejected_messages_change_no_device(session_factory: Factory, clock: FakeClock) -> None:
    topic, _ = aurora().occupancy(True)
    run(session_factory, clock, (topic, b"{not json"))
    assert device(session_factory, "term-hq-f1-aurora").last_seen_at is None
    assert count(session_factory, DeadLetter) == 1


def test_a_device_remembers_the_newest_event_time_it_reported(
    session_factory: Factory, clock: FakeClock
) -> None:
    """Check-in decisions read how far a terminal's reports reach (hub/checkin/engine.py)."""
    t = aurora()
    run(session_factory, clock, t.occupancy(True, ts=T0 + timedelta(minutes=5)))
    assert device(session_factory, "term-hq-f1-aurora").last_event_ts == T0 + timedelta(minutes=5)
    # A spool replaying older messages does not move it back.
    run(session_factory, clock, t.occupancy(False, ts=T0 + timedelta(minutes=1)))
    assert device(session_factory, "term-hq-f1-aurora").last_event_ts == T0 + timedelta(minutes=5)
    run(session_factory, clock, t.occupancy(False, ts=T0 + timedelta(minutes=9)))
    assert device(session_factory, "term-hq-f1-aurora").last_event_ts == T0 + timedelta(minutes=9)
