"""POST /api/v1/sandbox/runs through the real app: the replay of stored bookings and desk
use, the default period, department scoping, roles, and plans that cannot be applied.

The hub's now is Tuesday 2026-01-06, so the default period is the last quarter of 2025;
the history, and the hand-computed outcome of splitting Cosmos, are in sandbox_world.py.
"""

from typing import Any

import pytest
from api_world import Hub, populate, running_hub, user_id
from sandbox_world import AURORA, COSMOS, SPLIT, add_december


@pytest.fixture(scope="module")
def sandbox_hub(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_hub(tmp_path_factory.mktemp("sandbox")) as hub:
        populate(hub)
        with hub.session() as session:
            add_december(session)
        yield hub


def run(hub: Hub, plan: object, user: str = "admin", **params: Any) -> Any:
    return hub.request("POST", "/sandbox/runs", user, json=plan, params=params)


def test_splitting_the_boardroom_replays_last_quarter(sandbox_hub: Hub) -> None:
    response = run(sandbox_hub, SPLIT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["first"], body["last"], body["timezone"]) == ("2025-10-01", "2026-01-01",
                                                               "Europe/Berlin")  # fmt: skip
    assert (body["replayed"], body["skipped"]["no_show"], body["max_wait_min"]) == (9, 1, 30)
    assert body["people_sources"] == {"sensor": 9, "attendees": 0, "unknown": 0}

    def outcome(totals: dict[str, Any]) -> tuple[int, ...]:
        return tuple(totals[k] for k in ("fit", "moved", "waited", "unserved"))

    assert outcome(body["baseline"]["totals"]) == (9, 0, 0, 0)
    assert outcome(body["changed"]["totals"]) == (3, 4, 1, 1)
    assert body["changed"]["totals"]["wait_minutes_max"] == 15.0
    rows = {r["room_id"]: r for r in body["changed"]["rooms"]}
    cosmos = rows[COSMOS]
    assert (cosmos["fate"], cosmos["meetings"], cosmos["fit_in"], cosmos["moved_to"]) == (
        "split", 7, {"hq-f2-cosmos-a": 1}, {AURORA: 4},
    )  # fmt: skip
    assert (cosmos["moved_off_floor"], cosmos["waited"], cosmos["unserved"]) == (4, 1, 1)
    # Aurora's own two meetings are too few to show where they went; it hosted 7.
    assert rows[AURORA]["fit"] is None and rows[AURORA]["hosted"] == 7
    assert body["difference"]["unserved"] == 1 and body["difference"]["desk_days_over"] == 1

    (floor,) = [r for r in body["changed"]["desk_floors"] if r["id"] == "hq-main-f2"]
    assert (floor["desks"], floor["days"], floor["peak_in_use"], floor["days_over"]) == (0, 1, 2, 1)
    (before,) = [r for r in body["baseline"]["desk_floors"] if r["id"] == "hq-main-f2"]
    assert (before["desks"], before["days_over"]) == (6, 0)


def test_a_period_and_a_longer_wait(sandbox_hub: Hub) -> None:
    # Only 1-2 December; with 120 minutes the 2 December meeting waits for Aurora until 12:00.
    body = run(sandbox_hub, SPLIT, **{"from": "2025-12-01", "to": "2025-12-03",
                                      "max_wait_min": 120}).json()  # fmt: skip
    assert (body["first"], body["last"], body["replayed"]) == ("2025-12-01", "2025-12-03", 4)
    totals = body["changed"]["totals"]
    assert totals["fit"] is None and "4 meeting(s) replayed" in totals["withheld"]


def test_invalid_plans_are_400_with_every_problem(sandbox_hub: Hub) -> None:
    plan = {"changes": [{"split": "hq-f2-cosmso", "into": [{"id": "a", "capacity": 0}]},
                        {"remove_rom": AURORA}]}  # fmt: skip
    response = run(sandbox_hub, plan)
    assert response.status_code == 400
    messages = [p["msg"] for p in response.json()["detail"]]
    assert messages == [
        "changes[0].into[0].capacity: input should be greater than or equal to 1 (got 0)",
        "changes[1].remove_rom: unknown kind of change (did you mean 'remove_room'?); use one of "
        "split, remove_room, add_room, set_capacity, remove_desks, add_desks",
    ]
    unknown = run(sandbox_hub, {"changes": [{"remove_room": "hq-f2-cosmso"}]})
    assert unknown.status_code == 400
    assert unknown.json()["detail"][0]["msg"] == (
        "changes[0].remove_room: no room 'hq-f2-cosmso' (did you mean 'hq-f2-cosmos'?)"
    )
    assert run(sandbox_hub, {}).status_code == 400
    assert run(sandbox_hub, ["split"]).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-01-01", "to": "2025-12-01"},
        {"max_wait_min": "-1"},
        {"from": "1900-01-01"},
        {"from": "2025-01-01", "to": "2026-06-01"},
    ],
)
def test_a_bad_period_is_422(sandbox_hub: Hub, params: dict[str, str]) -> None:
    response = run(sandbox_hub, SPLIT, **params)
    assert response.status_code == 422, response.text


def test_facilities_replay_and_change_only_their_departments_and_shared_rooms(
    sandbox_hub: Hub,
) -> None:
    engineering = user_id("facilities", "engineering")
    hidden = run(sandbox_hub, SPLIT, engineering)
    assert hidden.status_code == 400
    assert hidden.json()["detail"][0]["msg"].startswith("changes[0].split: no room 'hq-f2-cosmos'")
    own = run(sandbox_hub, {"changes": [{"remove_desks": {"floor": "hq-main-f2"}}]}, engineering)
    assert own.status_code == 200
    assert "cosmos" not in own.text and own.json()["replayed"] == 2  # Aurora's two

    exec_staff = user_id("facilities", "exec")
    no_desks = run(sandbox_hub, SPLIT, exec_staff)
    assert no_desks.status_code == 400
    assert no_desks.json()["detail"][0]["msg"] == (
        "changes[1].remove_desks.floor: floor 'hq-main-f2' has no desks (left) to remove"
    )
    split_only = {"changes": SPLIT["changes"][:1]}
    assert run(sandbox_hub, split_only, exec_staff).json()["changed"]["totals"]["unserved"] == 1


@pytest.mark.parametrize("role", ["member", "display", "device"])
def test_other_roles_may_not_run_the_sandbox(sandbox_hub: Hub, role: str) -> None:
    assert run(sandbox_hub, SPLIT, user_id(role, "exec")).status_code == 403
