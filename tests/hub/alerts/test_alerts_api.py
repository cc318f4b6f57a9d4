"""GET /api/v1/alerts and /alerts/{id}: the shape, the filters, who sees what."""

from datetime import timedelta

from api_world import Hub
from sqlalchemy import select

from hub.alerts.runner import AlertsRunner
from hub.db.models import Device


def offline(hub: Hub, *device_ids: str) -> None:
    with hub.session() as session:
        for device_id in device_ids:
            device = session.get_one(Device, device_id)
            device.online, device.status_changed_at = False, hub.clock.now()


def test_alerts_are_listed_by_state_rule_space_and_device(hub: Hub, runner: AlertsRunner) -> None:
    offline(hub, "term-hq-f1-aurora", "term-hq-f2-cosmos")
    hub.clock.advance(11 * 60)
    runner.tick()
    with hub.session() as session:
        session.get_one(Device, "term-hq-f1-aurora").online = True
    runner.tick()  # found clear: the hold-down starts
    hub.clock.advance(15 * 60)
    runner.tick()

    everything = hub.ok("/alerts", params={"state": "all"})
    assert [a["subject_id"] for a in everything] == ["term-hq-f2-cosmos", "term-hq-f1-aurora"]
    (open_,) = hub.ok("/alerts")  # open by default
    assert open_["subject_id"] == "term-hq-f2-cosmos"
    assert open_["resolved_at"] is None and open_["rule"] == "device_offline"
    assert open_["subject_kind"] == "device" and open_["severity"] == "critical"
    assert open_["details"]["offline_since"]
    (resolved,) = hub.ok("/alerts", params={"state": "resolved"})
    assert resolved["subject_id"] == "term-hq-f1-aurora" and resolved["resolved_at"]
    assert hub.ok(f"/alerts/{resolved['id']}") == resolved
    assert hub.ok("/alerts", params={"state": "all", "rule": "over_capacity"}) == []
    assert [
        a["id"] for a in hub.ok("/alerts", params={"state": "all", "space_id": "hq-f1-aurora"})
    ] == [resolved["id"]]
    by_device = hub.ok("/alerts", params={"state": "all", "device_id": "term-hq-f2-cosmos"})
    assert [a["id"] for a in by_device] == [open_["id"]]
    assert hub.get("/alerts", params={"state": "closed"}).status_code == 422
    assert hub.get("/alerts", params={"rule": "no_such_rule"}).status_code == 422
    assert hub.get("/alerts/999999").status_code == 404


def test_facilities_see_their_department_and_shared_rooms_members_nothing(
    hub: Hub, runner: AlertsRunner
) -> None:
    offline(hub, "term-hq-f1-aurora", "term-hq-f2-cosmos", "term-hq-f2-east-desks")
    hub.clock.advance(timedelta(minutes=11).total_seconds())
    runner.tick()
    ids = {a["subject_id"]: a["id"] for a in hub.ok("/alerts")}
    assert set(ids) == {"term-hq-f1-aurora", "term-hq-f2-cosmos", "term-hq-f2-east-desks"}

    seen = {a["subject_id"] for a in hub.ok("/alerts", "facilities-engineering")}
    assert seen == {"term-hq-f1-aurora", "term-hq-f2-east-desks"}
    seen = {a["subject_id"] for a in hub.ok("/alerts", "facilities-exec")}
    assert seen == {"term-hq-f1-aurora", "term-hq-f2-cosmos"}
    hidden = hub.get(f"/alerts/{ids['term-hq-f2-cosmos']}", "facilities-engineering")
    assert hidden.status_code == 404
    missing = hub.get("/alerts/999999", "facilities-engineering")
    assert hidden.json()["detail"].replace(str(ids["term-hq-f2-cosmos"]), "?") == missing.json()[
        "detail"
    ].replace("999999", "?")
    assert hub.get(f"/alerts/{ids['term-hq-f1-aurora']}", "facilities-exec").status_code == 200
    # Their notices (the outbox) list the alerts they may see, and only those.
    noticed = {
        n["payload"]["alert"]["subject_id"]
        for n in hub.ok("/me/notifications", "facilities-exec")
        if n["kind"] == "alert_opened"
    }
    assert noticed == {"term-hq-f1-aurora", "term-hq-f2-cosmos"}
    for user in ("member-engineering", "display-exec", "device-exec"):
        assert hub.get("/alerts", user).status_code == 403
        assert hub.get(f"/alerts/{ids['term-hq-f1-aurora']}", user).status_code == 403


def test_no_alert_for_what_is_fine(hub: Hub, runner: AlertsRunner) -> None:
    with hub.session() as session:
        assert session.scalars(select(Device)).all()  # terminals exist, never heard from
    runner.tick()
    assert hub.ok("/alerts", params={"state": "all"}) == []
