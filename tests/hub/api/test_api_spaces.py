"""Rooms, desks and devices: what they say, live state, filters, organisation lists."""

from datetime import timedelta

from api_world import EAST_DESKS, NOW, SHARED_ROOMS, Hub

from hub.db.models import Device


def set_online(hub: Hub, device_id: str, online: bool) -> None:
    with hub.session() as session:
        device = session.get(Device, device_id)
        assert device is not None
        device.online = online
        device.last_seen_at = NOW - timedelta(seconds=5)
        device.status_changed_at = NOW - timedelta(hours=2)
        device.boot = "boot-1"
        device.software_version = "0.1.0"


def test_a_room_says_everything_a_floor_plan_needs(hub: Hub) -> None:
    room = hub.ok("/rooms/hq-f2-east")
    assert room["name"] == "East desk area"
    assert room["kind"] == "desk_area"
    assert room["capacity"] == 6
    assert room["timezone"] == "Europe/Berlin"
    assert room["floor"] == {"id": "hq-main-f2", "name": "Floor 2", "level": 2}
    assert room["building"]["id"] == "hq-main"
    assert room["site"] == {"id": "hq", "name": "Headquarters"}
    assert room["department"]["id"] == "engineering"
    assert room["working_hours"]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert room["desks"] == 6
    assert room["device"] == {"id": "term-hq-f2-east-desks", "online": False, "last_seen_at": None}
    # Nothing reported yet: unknown, not vacant.
    assert room["state"] == {
        "occupied": None,
        "since": None,
        "updated_at": None,
        "stale": False,
        "probability": None,  # the fused estimate of a terminal with fusion (issue 8)
        "band": None,
        "band_top": None,
        "band_label": None,
        "band_confidence": None,
        "signals": [],
        "estimated_at": None,
    }
    assert hub.ok("/rooms/hq-f1-aurora")["department"] is None


def test_live_state_comes_from_the_space_state_table(hub: Hub) -> None:
    set_online(hub, "term-hq-f1-aurora", True)
    since = NOW - timedelta(minutes=12)
    hub.set_state("room", "hq-f1-aurora", True, since)
    room = hub.ok("/rooms/hq-f1-aurora")
    assert room["state"]["occupied"] is True
    assert room["state"]["since"] == "2026-01-06T11:48:00+00:00"
    assert room["state"]["stale"] is False
    assert room["device"]["online"] is True
    assert room["device"]["last_seen_at"] == "2026-01-06T11:59:55+00:00"


def test_state_of_an_offline_terminal_is_flagged_stale(hub: Hub) -> None:
    hub.set_state("room", "hq-f1-borealis", False, NOW - timedelta(hours=1))
    state = hub.ok("/rooms/hq-f1-borealis")["state"]
    assert state["occupied"] is False
    assert state["stale"] is True


def test_rooms_filter_by_floor_building_kind_and_occupancy(hub: Hub) -> None:
    hub.set_state("room", "hq-f1-aurora", True, NOW)
    hub.set_state("room", "hq-f1-borealis", False, NOW)
    ids = lambda rows: {r["id"] for r in rows}  # noqa: E731
    assert ids(hub.ok("/rooms", params={"floor_id": "hq-main-f1"})) == SHARED_ROOMS
    assert len(hub.ok("/rooms", params={"building_id": "hq-main"})) == 4
    assert hub.ok("/rooms", params={"building_id": "elsewhere"}) == []
    assert ids(hub.ok("/rooms", params={"kind": "desk_area"})) == {"hq-f2-east"}
    assert ids(hub.ok("/rooms", params={"occupied": "true"})) == {"hq-f1-aurora"}
    assert ids(hub.ok("/rooms", params={"occupied": "false"})) == {"hq-f1-borealis"}
    assert hub.get("/rooms", params={"occupied": "perhaps"}).status_code == 422


def test_desks_have_live_state_and_filters(people: Hub) -> None:
    set_online(people, "term-hq-f2-east-desks", True)
    people.set_state("desk", "hq-f2-e02", True, NOW - timedelta(minutes=3))
    desks = people.ok("/desks", "facilities-engineering")
    assert {d["id"] for d in desks} == EAST_DESKS
    desk = people.ok("/desks/hq-f2-e02", "display-engineering")
    assert desk["room"] == {"id": "hq-f2-east", "name": "East desk area"}
    assert desk["floor_id"] == "hq-main-f2"
    assert desk["department_id"] == "engineering"
    assert desk["state"]["occupied"] is True
    assert [d["id"] for d in people.ok("/desks", params={"occupied": "true"})] == ["hq-f2-e02"]
    assert len(people.ok("/desks", params={"room_id": "hq-f2-east", "floor_id": "hq-main-f2"})) == 6
    assert people.ok("/desks", params={"floor_id": "hq-main-f1"}) == []
    assert people.ok("/desks", "facilities-exec") == []


def test_devices_report_liveness_and_versions(people: Hub) -> None:
    set_online(people, "term-hq-f2-cosmos", True)
    device = people.ok("/devices/term-hq-f2-cosmos", "facilities-exec")
    assert device["room"] == {"id": "hq-f2-cosmos", "name": "Cosmos boardroom"}
    assert device["room_id"] == "hq-f2-cosmos"
    assert device["online"] is True
    assert device["status_changed_at"] == "2026-01-06T10:00:00+00:00"
    assert device["boot"] == "boot-1"
    assert device["software_version"] == "0.1.0"
    online = people.ok("/devices", "facilities-exec", params={"online": "true"})
    assert [d["id"] for d in online] == ["term-hq-f2-cosmos"]
    visible = {d["id"] for d in people.ok("/devices", "facilities-exec")}
    assert visible == {"term-hq-f1-aurora", "term-hq-f1-borealis", "term-hq-f2-cosmos"}


def test_organisation_lists_are_scoped(people: Hub) -> None:
    assert [s["id"] for s in people.ok("/sites")] == ["hq"]
    assert [b["id"] for b in people.ok("/buildings", params={"site_id": "hq"})] == ["hq-main"]
    assert [f["id"] for f in people.ok("/floors")] == ["hq-main-f1", "hq-main-f2"]
    assert [f["id"] for f in people.ok("/floors", params={"building_id": "nope"})] == []
    # Both floors hold a room each department may see.
    assert len(people.ok("/floors", "facilities-exec")) == 2


def test_holidays_are_listed_added_and_removed(people: Hub) -> None:
    added = people.request(
        "POST", "/sites/hq/holidays", json={"date": "2026-05-01", "name": "Labour Day"}
    )
    assert added.status_code == 201
    assert added.json() == {"site_id": "hq", "date": "2026-05-01", "name": "Labour Day"}
    again = people.request("POST", "/sites/hq/holidays", json={"date": "2026-05-01"})
    assert again.status_code == 409
    assert (
        people.ok("/sites/hq/holidays", "facilities-exec", params={"year": 2026})[0]["name"]
        == "Labour Day"
    )
    assert people.ok("/sites/hq/holidays", params={"year": 2027}) == []
    assert (
        people.request("POST", "/sites/hq/holidays", json={"date": "2026-02-30"}).status_code == 422
    )
    assert (
        people.request("POST", "/sites/nowhere/holidays", json={"date": "2026-05-02"}).status_code
        == 404
    )
    assert people.request("DELETE", "/sites/hq/holidays/2026-05-01").status_code == 204
    assert people.request("DELETE", "/sites/hq/holidays/2026-05-01").status_code == 404
    assert people.request("DELETE", "/sites/hq/holidays/someday").status_code == 422
