"""The web dashboard end to end, in a real headless Chromium (Debian's chromium and
chromium-driver, driven by selenium): sign-in, the floor view changing live when a terminal
reports, a no-show shown as released, a room's decisions, the door display, and facilities
staff kept away from minutes.

Everything is real and runs as separate processes: Mosquitto, ``python -m hub serve`` on a
SQLite file (a 6 s grace period so a no-show comes quickly), and two simulated terminals
playing scenarios written here. Screenshots go to test-artifacts/dashboard/ (the page's HTML
too when a step fails); CI keeps that folder.
"""

import json
import shutil
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devtools import waiting
from devtools.broker import RunningBroker
from devtools.processes import ROOT, Child, HubProcess, start_hub, start_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
ADMIN_PASSWORD = "admin password for e2e"
STAFF_PASSWORD = "facilities password e2e"
EMPTY_ROOM = "hq-f1-aurora"  # nobody comes: its booking becomes a no-show
BUSY_ROOM = "hq-f1-borealis"  # someone walks in once its terminal runs

EMPTY = """name: nobody_comes
anchor: start
steps:
  - {at: 0, sensor: door, action: close}
"""
SOMEONE = """name: someone_walks_in
anchor: start
steps:
  - {at: 0, sensor: door, action: close}
  - {at: 2, sensor: door, action: open}
  - {at: 3, sensor: pir-ceiling, action: pulse, every: 5s, until: 120}
"""


def call(hub: HubProcess, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{hub.url}/api/v1{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {hub.admin_token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for(condition: Any, what: str, timeout: float = 30.0) -> Any:
    return waiting.wait_for(condition, what, timeout)


@pytest.fixture
def browser() -> Iterator[Any]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip(
            "Chromium is not installed: apt-get install chromium chromium-driver (./dev test "
            "does it when run as root)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,900")
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The browser, with what the test needs: waits on the DOM, screenshots, evidence."""

    def __init__(self, driver: Any, url: str) -> None:
        self.driver, self.url = driver, url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def open(self, path: str) -> None:
        self.driver.get(self.url + path)

    def css(self, selector: str) -> bool:
        """Whether ``selector`` matches anything now."""
        script = "return document.querySelector(arguments[0]) !== null;"
        return bool(self.driver.execute_script(script, selector))

    # Read in one script: the floor view redraws its tiles on every event, so an element
    # found by one WebDriver call may be gone (stale) by the next.
    def text(self, selector: str) -> str:
        script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';"
        return str(self.driver.execute_script(script, selector))

    def wait(self, condition: Any, what: str, timeout: float = 30.0) -> Any:
        return wait_for(condition, what, timeout)

    def tile_state(self, space: str) -> str | None:
        script = "const e = document.querySelector(arguments[0]); return e && e.dataset.state;"
        state = self.driver.execute_script(script, f'[data-space="{space}"]')
        return str(state) if state else None

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))

    def evidence(self, name: str) -> None:
        self.shot(name)
        (ARTIFACTS / f"{name}.html").write_text(self.driver.page_source)

    def sign_in(self, user: str, password: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.delete_all_cookies()
        self.open("/login")
        self.driver.find_element(By.ID, "user").send_keys(user)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        self.wait(lambda: "/login" not in self.driver.current_url, f"{user} to be signed in")

    def fetch_status(self, path: str) -> int:
        script = (
            "const done = arguments[arguments.length - 1];"
            f"fetch({json.dumps(path)}, {{credentials: 'same-origin'}})"
            ".then(r => done(r.status), () => done(-1));"
        )
        return int(self.driver.execute_async_script(script))


def test_the_dashboard_in_a_real_browser(
    broker: RunningBroker, tmp_path: Path, browser: Any
) -> None:
    hub = start_hub(
        broker,
        tmp_path / "hub",
        extra_env={
            "QUORUM_BOOTSTRAP_PASSWORD": ADMIN_PASSWORD,
            "QUORUM_CHECKIN_GRACE_MIN": "0.1",
            "QUORUM_CHECKIN_TICK_S": "1",
            # Borealis' terminal is stopped at the end: its alert comes at once.
            "QUORUM_ALERTS_INTERVAL_S": "1",
            "QUORUM_ALERTS_DEVICE_OFFLINE_MIN": "0",
        },
    )
    children: list[Child] = [hub.child]
    page = Page(browser, hub.url)
    try:
        call(
            hub,
            "POST",
            "/users",
            {"id": "fran", "display_name": "Fran", "role": "facilities", "department_id": "exec"},
        )
        call(hub, "PUT", "/users/fran/password", {"password": STAFF_PASSWORD})
        scenarios = tmp_path / "scenarios"
        scenarios.mkdir()
        (scenarios / "empty.yaml").write_text(EMPTY)
        (scenarios / "someone.yaml").write_text(SOMEONE)
        configs = ROOT / "firmware_configs"
        children.append(
            start_terminal(
                configs / f"{EMPTY_ROOM}.yaml",
                broker,
                tmp_path / "t1",
                scenario=str(scenarios / "empty.yaml"),
            )
        )
        wait_for(
            lambda: call(hub, "GET", f"/rooms/{EMPTY_ROOM}")["state"]["occupied"] is False,
            "the empty room's terminal to report it vacant",
        )
        now = datetime.now(UTC)
        booking = call(
            hub,
            "POST",
            "/bookings",
            {
                "space_kind": "room",
                "space_id": EMPTY_ROOM,
                "title": "Budget review",
                "starts_at": (now + timedelta(seconds=2)).isoformat(),
                "ends_at": (now + timedelta(minutes=30)).isoformat(),
            },
        )

        # The floor view as the admin: every room is there, Borealis has no terminal yet.
        page.sign_in("admin", ADMIN_PASSWORD)
        page.wait(lambda: page.css('[data-space="hq-f2-cosmos"]'), "the floor view's tiles")
        assert page.tile_state(BUSY_ROOM) != "occupied"
        page.shot("1-floor-view")
        browser.execute_script("window.notReloaded = true;")
        children.append(
            start_terminal(
                configs / f"{BUSY_ROOM}.yaml",
                broker,
                tmp_path / "t2",
                scenario=str(scenarios / "someone.yaml"),
            )
        )
        page.wait(
            lambda: page.tile_state(BUSY_ROOM) == "occupied", "the tile to turn occupied live"
        )
        assert browser.execute_script("return window.notReloaded === true;")
        assert "Occupied" in page.text(f'[data-space="{BUSY_ROOM}"] .tile-state')
        page.shot("2-floor-view-live-change")

        # Nobody came to the booking: released as a no-show, shown as such.
        def released() -> bool:
            slots = call(hub, "GET", f"/rooms/{EMPTY_ROOM}/bookings")
            mine = [s for s in slots if s["booking_id"] == booking["id"]]
            return bool(mine) and mine[0]["release_reason"] == "no_show"

        wait_for(released, "the booking to be released as a no-show")
        page.open("/")
        page.wait(lambda: page.tile_state(EMPTY_ROOM) == "no-show", "the no-show on the tile")
        tile = page.text(f'[data-space="{EMPTY_ROOM}"]')
        assert "No-show, released" in tile and "Budget review" in tile
        page.shot("3-floor-view-no-show")
        browser.set_window_size(390, 844)  # a phone: one column, nothing wider than the screen
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth;"
        )
        page.shot("3b-floor-view-phone")
        browser.set_window_size(1280, 900)
        page.open(f"/rooms/{EMPTY_ROOM}")
        page.wait(
            lambda: page.css('.decisions li[data-kind="released_no_show"]'),
            "the no-show decision on the room page",
        )
        assert "released" in page.text(".booking .booking-state")
        page.shot("4-room-page")
        page.open("/analytics")
        page.wait(lambda: page.css("#by-room svg .bar"), "the utilization chart")
        assert "Aurora" in page.text("#by-room")
        page.wait(lambda: not page.css('.chart[aria-busy="true"]'), "every chart")
        page.shot("analytics")
        page.open("/me")
        page.wait(lambda: not page.css('[aria-busy="true"]'), "the admin's own work")
        assert page.text("#status") == ""  # nothing failed to load

        # Facilities staff: floors and the door display, never minutes.
        page.sign_in("fran", STAFF_PASSWORD)
        page.wait(lambda: page.css(f'[data-space="{EMPTY_ROOM}"]'), "fran's floor view")
        assert not page.css('a[href="/me"]')
        page.open("/me")
        assert "not available to facilities accounts" in page.text("#forbidden")
        assert page.fetch_status("/api/v1/meetings") == 403
        assert page.fetch_status("/api/v1/rooms/hq-f1-aurora/minutes/sessions") == 403
        page.open(f"/display/{EMPTY_ROOM}")
        page.wait(lambda: page.text("#door-state") == "Free", "the door display")
        assert page.text("#door-room") == "Aurora"
        assert "No-show" in page.text("#door-now")
        page.shot("5-door-display")
        # Borealis' terminal goes away: its tile says so, and an alert is opened.
        page.open("/")
        page.wait(lambda: page.tile_state(BUSY_ROOM) == "occupied", "Borealis on fran's view")
        children[-1].terminate()
        page.wait(lambda: page.tile_state(BUSY_ROOM) == "offline", "the tile to show it offline")
        page.shot("6-floor-view-offline")
        page.open("/alerts")
        page.wait(lambda: page.css('#alerts[aria-busy="false"]'), "the alerts page")
        assert not page.css("#alerts-unavailable"), page.text("#alerts")
        page.wait(lambda: page.css('[data-rule="device_offline"]'), "an offline terminal's alert")
        page.shot("7-alerts")
    except Exception:
        page.evidence("failure")
        raise
    finally:
        for child in reversed(children):
            child.terminate()
