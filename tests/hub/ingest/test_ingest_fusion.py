"""Occupancy fusion fields through apply_batch (issue 8): stored with each change and on the
live state; a report that repeats ``occupied`` with a new band is no change of state."""

from datetime import timedelta
from typing import Any

from ingest_builders import T0, Raw, Terminal, aurora
from ingest_builders import apply_raws as run
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract import topics
from hub.analytics.report import occupancy_history
from hub.analytics.rollups import refresh_rollups
from hub.analytics.timeline import State
from hub.db.models import DeadLetter, OccupancyChange, SpaceState, analytics_space_days

Factory = sessionmaker[Session]
ROOM = "hq-f1-aurora"


def fused(terminal: Terminal, minute: int, occupied: bool, band: int | None, **extra: Any) -> Raw:
    data = {
        "space": "room",
        "space_id": ROOM,
        "occupied": occupied,
        "signals": extra.pop("signals", ["radar"]),
        "probability": extra.pop("probability", 0.9 if occupied else 0.05),
        "band": band,
        "band_top": 3,
        "band_confidence": extra.pop("band_confidence", 0.7),
        **extra,
    }
    topic = topics.occupancy_topic(terminal.prefix, terminal.room, terminal.device)
    return topic, terminal.envelope("occupancy", data, ts=T0 + timedelta(minutes=minute))


def heartbeat(terminal: Terminal, minute: int, occupied: bool, **fields: Any) -> Raw:
    space = {"space": "room", "space_id": ROOM, "occupied": occupied, **fields}
    data = {"uptime_s": 60.0, "interval_s": 60.0, "spaces": [space]}
    topic = topics.heartbeat_topic(terminal.prefix, terminal.room, terminal.device)
    return topic, terminal.envelope("heartbeat", data, ts=T0 + timedelta(minutes=minute))


def state(factory: Factory) -> SpaceState:
    with factory() as session:
        row = session.get(SpaceState, ("room", ROOM))
        assert row is not None
        return row


def test_a_band_change_is_stored_and_shown_but_is_not_a_change_of_state(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    run(session_factory, clock, fused(terminal, 0, True, 1, signals=["pir-ceiling", "radar"]))
    result = run(
        session_factory, clock, fused(terminal, 5, True, 3, signals=["door_sealed", "radar"])
    )
    # The band moved: dashboards hear of it; the state's ``since`` did not.
    assert [(e["occupied"], e["since"], e["band"]) for e in result.events] == [
        (True, T0.isoformat(), 3)
    ]
    with session_factory() as session:
        rows = session.scalars(select(OccupancyChange).order_by(OccupancyChange.ts)).all()
        assert [(r.occupied, r.band, r.band_top, r.band_confidence) for r in rows] == [
            (True, 1, 3, 0.7),
            (True, 3, 3, 0.7),
        ]
        assert rows[1].signals == ["door_sealed", "radar"] and rows[1].probability == 0.9
        # The timeline (utilization, check-in) sees one stretch occupied, not two.
        segments = occupancy_history(
            session,
            space_kind="room",
            space_id=ROOM,
            start=T0,
            end=T0 + timedelta(minutes=10),
            now=T0 + timedelta(minutes=10),
        )
        assert [(s.start, s.state) for s in segments] == [(T0, State.OCCUPIED)]
    live = state(session_factory)
    assert (live.occupied, live.since, live.last_change_ts) == (
        True,
        T0,
        T0 + timedelta(minutes=5),
    )
    assert (live.band, live.band_top, live.signals) == (3, 3, ["door_sealed", "radar"])
    # A repeat with the same band is news to nobody.
    assert run(session_factory, clock, fused(terminal, 6, True, 3)).events == []


def test_a_heartbeat_refreshes_the_estimate_of_the_state_it_agrees_with(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    run(session_factory, clock, fused(terminal, 0, True, 1))
    run(
        session_factory,
        clock,
        heartbeat(terminal, 1, True, probability=0.99, band=2, band_top=3, signals=["speech"]),
    )
    live = state(session_factory)
    assert (live.probability, live.band, live.signals) == (0.99, 2, ["speech"])
    assert live.estimated_at == T0 + timedelta(minutes=1) and live.since == T0
    # A heartbeat that disagrees never moves the state; one without fusion clears nothing.
    run(session_factory, clock, heartbeat(terminal, 2, False, probability=0.1, band=0, band_top=3))
    run(session_factory, clock, heartbeat(terminal, 3, True))
    live = state(session_factory)
    assert (live.occupied, live.band, live.signals) == (True, 2, ["speech"])
    # A late heartbeat (a spool replaying) loses to the newer estimate.
    run(session_factory, clock, heartbeat(terminal, 0, True, probability=0.5, band=1, band_top=3))
    assert state(session_factory).probability == 0.99


def test_a_terminal_without_fusion_leaves_the_fields_empty(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    result = run(session_factory, clock, terminal.occupancy(True, ts=T0))
    assert "band" not in result.events[0]  # events of terminals without fusion are unchanged
    live = state(session_factory)
    assert (live.probability, live.band, live.band_top, live.band_confidence) == (None,) * 4
    assert live.signals == ["pir-ceiling"]


def test_a_band_above_its_top_is_a_dead_letter_kept_whole(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    raw = fused(terminal, 0, True, 4)
    result = run(session_factory, clock, raw)
    assert result.stored == 0 and [d.reason for d in result.dead] == ["invalid_data"]
    with session_factory() as session:
        letter = session.scalars(select(DeadLetter)).one()
        assert letter.payload == raw[1] and "band_top" in letter.detail
        assert session.scalars(select(OccupancyChange)).all() == []


def test_band_only_reports_do_not_change_the_utilization_rollups(
    session_factory: Factory, clock: FakeClock
) -> None:
    """Occupied 08:10-09:10 UTC (working hours in Berlin) with two band changes between."""
    terminal = aurora()
    raws = [
        fused(terminal, 0, False, 0),
        fused(terminal, 10, True, 1),
        fused(terminal, 20, True, 2),
        fused(terminal, 40, True, 3),
        fused(terminal, 70, False, 0),
    ]
    run(session_factory, clock, *raws)
    with session_factory() as session, session.begin():
        refresh_rollups(session, T0 + timedelta(hours=3), full=True)
    with session_factory() as session:
        occupied = session.scalar(
            select(analytics_space_days.c.occupied_us).where(
                analytics_space_days.c.space_kind == "room",
                analytics_space_days.c.space_id == ROOM,
                analytics_space_days.c.day == T0.date(),
            )
        )
    assert occupied == 3600 * 10**6
