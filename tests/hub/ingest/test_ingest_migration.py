"""Migration 0002 adds space_states.last_change_ts and backfills it from the history."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from hub.db.engine import make_engine
from hub.db.migrate import upgrade


def test_last_change_ts_is_backfilled_from_occupancy_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    early, late = datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 10, tzinfo=UTC)
    with engine.begin() as db:
        db.execute(
            text("INSERT INTO space_states VALUES ('room', 'r1', 1, :t, :t)"),
            {"t": early.replace(tzinfo=None)},
        )
        for ts in (early, late):
            db.execute(
                text(
                    "INSERT INTO occupancy_changes (space_kind, space_id, occupied, ts,"
                    " device_id, boot, seq, initial, signals)"
                    " VALUES ('room', 'r1', 1, :ts, 'd', 'b', 1, 0, '[]')"
                ),
                {"ts": ts.replace(tzinfo=None)},
            )
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as db:
        value = db.execute(text("SELECT last_change_ts FROM space_states")).scalar_one()
    engine.dispose()
    assert datetime.fromisoformat(value) == late.replace(tzinfo=None)
