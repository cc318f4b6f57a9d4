"""The December replay of sandbox_world.py through the API on PostgreSQL (skipped without a
configured server: QUORUM_TEST_POSTGRES_URL, see tests/conftest.py)."""

from pathlib import Path
from typing import Any

from api_world import running_hub
from sandbox_world import COSMOS, SPLIT, add_december


def test_splitting_the_boardroom_on_postgresql(tmp_path: Path, fresh_database: Any) -> None:
    url = fresh_database("postgresql", "schema")
    with running_hub(tmp_path, database_url=url) as hub:
        assert hub.state.engine.dialect.name == "postgresql"
        with hub.session() as session:
            add_december(session)
        response = hub.request("POST", "/sandbox/runs", json=SPLIT)
        assert response.status_code == 200, response.text
        body = response.json()
    totals = body["changed"]["totals"]
    assert [totals[k] for k in ("fit", "moved", "waited", "unserved")] == [3, 4, 1, 1]
    rows = {r["room_id"]: r for r in body["changed"]["rooms"]}
    assert rows[COSMOS]["moved_to"] == {"hq-f1-aurora": 4}
    (floor,) = [r for r in body["changed"]["desk_floors"] if r["id"] == "hq-main-f2"]
    assert (floor["desks"], floor["peak_in_use"], floor["days_over"]) == (0, 2, 1)
