"""Plans that cannot be used say exactly what is wrong, where, and what was probably meant."""

from datetime import UTC, datetime, timedelta

import pytest

from hub.analytics.booked import Meeting
from hub.sandbox.held import Skipped, held_meetings
from hub.sandbox.layout import apply_plan
from hub.sandbox.model import Inventory, RoomSpec
from hub.sandbox.plan import PlanError, parse_plan

INVENTORY = Inventory(
    {
        "hq-f2-boardroom": RoomSpec("hq-f2-boardroom", "hq-f2", "hq", 12),
        "hq-f3-octo": RoomSpec("hq-f3-octo", "hq-f3", "hq", 8),
        "hq-f3-desks": RoomSpec("hq-f3-desks", "hq-f3", "hq", 4, meeting_room=False),
    },
    {"hq-f2": "hq", "hq-f3": "hq", "hq-f4": "hq"},
    {"hq-f3-d1": "hq-f3-desks", "hq-f3-d2": "hq-f3-desks"},
)


def problems(document: object) -> list[str]:
    with pytest.raises(PlanError) as caught:
        apply_plan(INVENTORY, parse_plan(document))
    return str(caught.value).splitlines()


def test_shape_errors_are_all_reported_with_their_place() -> None:
    document = {
        "changes": [
            {"splitt": "hq-f2-boardroom"},
            {"split": "hq-f2-boardroom", "into": [{"id": "a", "capacity": 0}]},
            {"set_capacity": {"room": "hq-f3-octo", "capacity": "6"}},
            {"add_room": {"id": "Forum 1", "floor": "hq-f3", "capacity": 6, "seats": 3}},
            {"remove_desks": {"floor": "hq-f3", "room": "hq-f3-desks"}},
            {"remove_room": "hq-f3-octo", "split": "hq-f3-octo"},
        ]
    }
    assert problems(document) == [
        "changes[0].splitt: unknown kind of change (did you mean 'split'?); use one of split, "
        "remove_room, add_room, set_capacity, remove_desks, add_desks",
        "changes[1].into[0].capacity: input should be greater than or equal to 1 (got 0)",
        "changes[2].set_capacity.capacity: input should be a valid integer (got '6')",
        "changes[3].add_room.id: 'Forum 1' is not an id: use 1-63 lowercase letters, digits, "
        "'-' or '_'",
        "changes[3].add_room.seats: unknown key; expected id, floor, capacity",
        "changes[4].remove_desks: give exactly one of floor, room or desks (found floor and room)",
        "changes[5]: one change per item, found remove_room and split",
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (None, "plan: a plan is a mapping with a 'changes' list"),
        ({"chagnes": []}, "chagnes: unknown key (did you mean 'changes'?)"),
        ({"changes": []}, "changes: the plan changes nothing: give at least one"),
        ({"changes": "split"}, "changes: must be a list of changes"),
        ({"changes": [7]}, "changes[0]: a change is a mapping with one of: split, remove_room"),
        (
            {"changes": [{"split": "hq-f3-octo", "into": [{"id": "hq-f3-o1", "capacity": 4}]}]},
            "changes[0].into: list should have at least 2 items, not 1",
        ),
    ],
)
def test_a_document_that_is_no_plan(document: object, expected: str) -> None:
    assert problems(document)[0].startswith(expected)


def test_unknown_ids_name_the_closest_one() -> None:
    document = {
        "changes": [
            {
                "split": "hq-f2-bordroom",
                "into": [{"id": "x-a", "capacity": 6}, {"id": "x-b", "capacity": 6}],
            },
            {"remove_desks": {"floor": "hq-f33"}},
            {"add_room": {"id": "hq-f3-octo", "floor": "hq-f3", "capacity": 4}},
            {"set_capacity": {"room": "hq-f3-desks", "capacity": 2}},
            {"remove_desks": {"desks": ["hq-f3-d1", "hq-f3-d11"]}},
        ]
    }
    assert problems(document) == [
        "changes[0].split: no room 'hq-f2-bordroom' (did you mean 'hq-f2-boardroom'?)",
        "changes[1].remove_desks.floor: no floor 'hq-f33' (did you mean 'hq-f3'?)",
        "changes[2].add_room.id: room id 'hq-f3-octo' is taken: choose a new one",
        "changes[3].set_capacity.room: 'hq-f3-desks' is a desk area, not a meeting room: "
        "use remove_desks",
        "changes[4].remove_desks.desks[1]: no desk 'hq-f3-d11' (did you mean 'hq-f3-d1'?)",
    ]


def test_changes_apply_in_order() -> None:
    document = {
        "changes": [
            {"remove_room": "hq-f3-octo"},
            {"set_capacity": {"room": "hq-f3-octo", "capacity": 4}},
            {"remove_desks": {"floor": "hq-f4"}},
        ]
    }
    assert problems(document) == [
        "changes[1].set_capacity.room: room 'hq-f3-octo' no longer exists: changes[0] took it away",
        "changes[2].remove_desks.floor: floor 'hq-f4' has no desks (left) to remove",
    ]
    split_then_resize = {
        "changes": [
            {
                "split": "hq-f2-boardroom",
                "into": [{"id": "hq-f2-a", "capacity": 6}, {"id": "hq-f2-b", "capacity": 6}],
            },
            {"set_capacity": {"room": "hq-f2-a", "capacity": 8}},
            {"add_desks": {"floor": "hq-f4", "count": 10}},
            {"remove_desks": {"desks": ["hq-f3-d1"]}},
        ]
    }
    layout = apply_plan(INVENTORY, parse_plan(split_then_resize))
    assert layout.successors["hq-f2-boardroom"] == ("hq-f2-a", "hq-f2-b")
    assert (layout.rooms["hq-f2-a"].capacity, layout.rooms["hq-f2-a"].floor_id) == (8, "hq-f2")
    assert layout.desks == {"hq-f3": 1, "hq-f4": 10}
    assert layout.fate("hq-f2-boardroom") == "split" and layout.fate("hq-f2-a") == "part"


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)


def occurrence(ident: int, state: str, **fields: object) -> tuple[str, Meeting]:
    values: dict[str, object] = {
        "id": ident,
        "booking_id": f"b{ident}",
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=1),
        "state": state,
        **fields,
    }
    return "hq-f3-octo", Meeting(**values)  # type: ignore[arg-type]


def test_only_held_meetings_are_replayed_with_the_hubs_head_count() -> None:
    checked = {"checked_in_at": T0}
    held, skipped = held_meetings(
        [
            occurrence(1, "ended", peak_people=5, invited=9, **checked),  # sensor count wins
            occurrence(2, "ended", invited=9, **checked),  # no sensor count: the invitation
            occurrence(3, "checked_in", **checked),  # neither: one person
            occurrence(  # abandoned after a check-in: held until the release
                4,
                "released",
                released_at=T0 + timedelta(minutes=20),
                release_reason="abandoned",
                **checked,
            ),
            occurrence(5, "released", released_at=T0, release_reason="no_show"),
            occurrence(6, "cancelled"),
            occurrence(7, "booked"),  # never checked in
            occurrence(8, "booked", starts_at=NOW + timedelta(hours=1)),
            occurrence(9, "released", released_at=T0, release_reason="manual", **checked),
        ],
        NOW,
    )
    assert [(m.id, m.people, m.people_source) for m in held] == [
        (1, 5, "sensor"),
        (2, 9, "attendees"),
        (3, 1, "unknown"),
        (4, 1, "unknown"),
    ]
    assert held[3].ends_at == T0 + timedelta(minutes=20)
    assert skipped == Skipped(cancelled=1, not_started=1, no_show=1, not_checked_in=1, no_time=1)
