"""Scheduled reports on the hub's fake clock: what is built when, stored once, announced
through the outbox, listed and served per audience, deleted when old; and the runner in
the app's lifespan."""

import json
import time
from datetime import timedelta
from pathlib import Path

from api_world import Hub, running_hub, settings_for
from report_world import ORGANIZER
from sqlalchemy import func, select

from hub.checkin.notify import deliver_pending
from hub.db.models import Notification
from hub.db.report_models import ReportFileRow, ReportRun
from hub.reports.runner import ReportsRunner, reports_runner
from hub.reports.store import forget_old

DAY = timedelta(days=1)


def runner_of(hub: Hub) -> ReportsRunner:
    return ReportsRunner(
        session_factory=hub.state.session_factory,
        clock=hub.clock,
        tick_s=60,
        settle=timedelta(hours=1),
        keep=timedelta(days=400),
    )


def no_webhooks(url: str, body: bytes, headers: dict[str, str]) -> int:
    raise AssertionError(f"nobody registered a webhook, yet {url} was called")


def bearer(hub: Hub, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {hub.tokens[user]}"}


def test_runs_per_period_and_audience_announced_and_served(fresh_week_hub: Hub) -> None:
    hub = fresh_week_hub
    runner = runner_of(hub)
    # Tuesday 2026-01-06 13:00 in Berlin: Monday's daily, last week's, December's; for the
    # admins and for engineering's facilities staff (the only department with any).
    made = runner.tick()
    assert len(made) == 6
    assert runner.tick() == []  # stored once
    runs = hub.ok("/reports")
    assert {(r["period"], r["first_date"], r["audience"]) for r in runs} == {
        (period, first, audience)
        for period, first in (
            ("daily", "2026-01-05"), ("weekly", "2025-12-29"), ("monthly", "2025-12-01"),
        )
        for audience in ("all", "department:engineering")
    }  # fmt: skip
    own = hub.ok("/reports", ORGANIZER)
    assert {r["audience"] for r in own} == {"department:engineering"} and len(own) == 3
    daily = next(r for r in own if r["period"] == "daily")
    assert daily["last_date"] == "2026-01-05"
    urls = {f["name"]: f["url"] for f in daily["files"]}
    assert set(urls) == {"report.html", "report.csv", "utilization.png", "heatmap.png"}
    page = hub.client.get(urls["report.html"], headers=bearer(hub, ORGANIZER))
    assert page.status_code == 200 and "Aurora" in page.text and "Cosmos" not in page.text
    chart = hub.client.get(urls["heatmap.png"], headers=bearer(hub, ORGANIZER))
    assert chart.headers["content-type"] == "image/png"

    # Each reader of the audience got a notice in the outbox, with the links.
    with hub.session() as session:
        notices = session.scalars(select(Notification).where(Notification.kind == "report_ready"))
        by_user: dict[str, list[dict[str, object]]] = {}
        for notice in notices:
            assert notice.webhook_done_at is None and notice.next_attempt_at == hub.clock.now()
            by_user.setdefault(notice.user_id, []).append(notice.payload)
    assert {u: len(p) for u, p in by_user.items()} == {"admin": 3, ORGANIZER: 3}
    assert {p["run_id"] for p in by_user["admin"] + by_user[ORGANIZER]} == set(made)
    mine = next(p for p in by_user[ORGANIZER] if p["period"] == "daily")
    assert mine["files"] == urls and mine["first_date"] == mine["last_date"] == "2026-01-05"
    assert {n["kind"] for n in hub.ok("/me/notifications", ORGANIZER)} == {"report_ready"}
    # The outbox's own delivery round sends them (MQTT here; no webhooks registered).
    published: list[tuple[str, dict[str, object]]] = []

    def publish(user_id: str, body: bytes) -> bool:
        published.append((user_id, json.loads(body)))
        return True

    with hub.session() as session:
        deliver_pending(session, hub.clock.now(), publish=publish, post=no_webhooks)
    assert sorted(u for u, _ in published) == ["admin"] * 3 + [ORGANIZER] * 3
    assert all(body["kind"] == "report_ready" and body["id"] for _, body in published)

    # Another department's staff cannot read it: the same 404 as for a missing run.
    hub.add_user("facilities-exec", "facilities", "exec")
    hidden = hub.client.get(urls["report.html"], headers=bearer(hub, "facilities-exec"))
    missing = hub.client.get("/api/v1/reports/runs/999/report.html",
                             headers=bearer(hub, "facilities-exec"))  # fmt: skip
    assert hidden.status_code == missing.status_code == 404
    # Runs older than the retention go, with their files.
    with hub.session() as session:
        assert forget_old(session, hub.clock.now() + DAY / 2, DAY) == 0
        assert forget_old(session, hub.clock.now() + 2 * DAY, DAY) == 6
    with hub.session() as session:
        assert session.scalar(select(func.count()).select_from(ReportRun)) == 0
        orphans = select(func.count()).where(ReportFileRow.run_id.in_(made))
        assert session.scalar(orphans) == 0


def test_the_hub_runs_the_schedule_in_its_lifespan(tmp_path: Path) -> None:
    with running_hub(tmp_path, reports_tick_s=0.05) as hub:
        deadline = time.monotonic() + 60
        runs: list[dict[str, object]] = []
        while time.monotonic() < deadline and len(runs) < 3:
            time.sleep(0.05)
            runs = hub.ok("/reports")
        assert {r["period"] for r in runs} == {"daily", "weekly", "monthly"}
        assert {r["audience"] for r in runs} == {"all"}  # nobody in facilities yet
        off = settings_for(tmp_path, reports_enabled=False)
        assert reports_runner(off, hub.state.session_factory, hub.clock) is None
