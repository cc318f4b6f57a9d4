"""The access matrix: every route the app has, every role, every kind of bad token.

Routes are enumerated from the app itself and must all appear in ROUTE_ROLES, so a
new endpoint cannot be added without deciding (here) who may call it.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_world import (
    DEPARTMENTS,
    DEVICE_OF_ROOM,
    EAST_DESKS,
    OTHER,
    OWN_ROOM,
    ROLES,
    SHARED_ROOMS,
    Hub,
    auth,
    running_hub,
    user_id,
)
from fastapi import FastAPI, routing

from hub.app import create_app
from hub.db.alert_models import Alert
from hub.settings import Settings

A, F, M, D, V = "admin", "facilities", "member", "display", "device"
EVERYONE = {A, F, M, D, V}

ROUTE_ROLES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/me"): EVERYONE,
    ("GET", "/api/v1/users"): {A},
    ("POST", "/api/v1/users"): {A},
    ("GET", "/api/v1/users/{user_id}"): {A},
    ("PATCH", "/api/v1/users/{user_id}"): {A},
    ("GET", "/api/v1/users/{user_id}/tokens"): {A},
    ("POST", "/api/v1/users/{user_id}/tokens"): {A},
    # Passwords for the web dashboard (hub/api/users.py): admins set anyone's, people who
    # manage their own tokens change their own.
    ("PUT", "/api/v1/users/{user_id}/password"): {A},
    ("PUT", "/api/v1/me/password"): {A, F, M},
    ("GET", "/api/v1/me/tokens"): {A, F, M},
    ("POST", "/api/v1/me/tokens"): {A, F, M},
    ("DELETE", "/api/v1/tokens/{token_id}"): {A, F, M},
    ("GET", "/api/v1/departments"): {A, F},
    ("POST", "/api/v1/departments"): {A},
    ("GET", "/api/v1/sites"): {A, F},
    ("GET", "/api/v1/sites/{site_id}/holidays"): {A, F},
    ("POST", "/api/v1/sites/{site_id}/holidays"): {A},
    ("DELETE", "/api/v1/sites/{site_id}/holidays/{day}"): {A},
    ("GET", "/api/v1/buildings"): {A, F},
    ("GET", "/api/v1/floors"): {A, F},
    ("GET", "/api/v1/rooms"): {A, F, D},
    ("GET", "/api/v1/rooms/{room_id}"): {A, F, D},
    ("GET", "/api/v1/desks"): {A, F, D},
    ("GET", "/api/v1/desks/{desk_id}"): {A, F, D},
    ("GET", "/api/v1/rooms/{room_id}/occupancy"): {A, F},
    ("GET", "/api/v1/desks/{desk_id}/occupancy"): {A, F},
    ("GET", "/api/v1/utilization"): {A, F},
    # Booked against used (hub/api/analytics.py): staff, scoped by department.
    ("GET", "/api/v1/analytics/rooms"): {A, F},
    ("GET", "/api/v1/analytics/desks"): {A, F},
    ("GET", "/api/v1/analytics/floors"): {A, F},
    ("GET", "/api/v1/analytics/buildings"): {A, F},
    ("GET", "/api/v1/analytics/heatmap"): {A, F},
    ("GET", "/api/v1/analytics/right-sizing"): {A, F},
    ("GET", "/api/v1/devices"): {A, F},
    ("GET", "/api/v1/devices/{device_id}"): {A, F},
    ("GET", "/api/v1/ingest/stats"): {A, F},
    ("GET", "/api/v1/timeseries/status"): {A, F},
    ("GET", "/api/v1/dead-letters"): {A},
    ("GET", "/api/v1/stream"): {A, F, D},
    # Check-in and release (hub/api/checkin.py): every role may try; which bookings a caller
    # may act on is decided per booking (404 for the others).
    ("POST", "/api/v1/rooms/{room_id}/check-in"): EVERYONE,
    ("POST", "/api/v1/desks/{desk_id}/check-in"): EVERYONE,
    ("POST", "/api/v1/occurrences/{occurrence_id}/check-in"): EVERYONE,
    ("POST", "/api/v1/occurrences/{occurrence_id}/release"): EVERYONE,
    ("GET", "/api/v1/bookings/{booking_id}/decisions"): EVERYONE,
    ("GET", "/api/v1/decisions"): {A, F},
    ("GET", "/api/v1/me/webhooks"): {A, F, M},
    ("POST", "/api/v1/me/webhooks"): {A, F, M},
    ("DELETE", "/api/v1/me/webhooks/{webhook_id}"): {A, F, M},
    ("GET", "/api/v1/me/notifications"): {A, F, M},
    # Bookings (hub/api/bookings.py, space_bookings.py, calendars.py): members, facilities,
    # admins book; displays read the day views; import and feeds are for staff.
    ("POST", "/api/v1/bookings"): {A, F, M},
    ("GET", "/api/v1/bookings"): {A, F, M},
    ("GET", "/api/v1/bookings/{booking_id}"): {A, F, M},
    ("PATCH", "/api/v1/bookings/{booking_id}"): {A, F, M},
    ("DELETE", "/api/v1/bookings/{booking_id}"): {A, F, M},
    ("GET", "/api/v1/bookings/{booking_id}/occurrences"): {A, F, M},
    ("DELETE", "/api/v1/bookings/{booking_id}/occurrences/{occurrence_id}"): {A, F, M},
    ("GET", "/api/v1/rooms/{room_id}/bookings"): {A, F, M, D},
    ("GET", "/api/v1/desks/{desk_id}/bookings"): {A, F, M, D},
    ("POST", "/api/v1/booking-imports"): {A, F},
    ("GET", "/api/v1/calendar-feeds"): {A, F},
    ("POST", "/api/v1/calendar-feeds"): {A, F},
    ("DELETE", "/api/v1/calendar-feeds/{feed_id}"): {A, F},
    # Minutes (hub/api/minutes.py): meeting content, for admins and the meeting's members
    # (per booking: 404 for the others); facilities, displays and terminals never (403).
    ("POST", "/api/v1/rooms/{room_id}/minutes"): {A, M},
    ("GET", "/api/v1/rooms/{room_id}/minutes/sessions"): {A, M},
    ("GET", "/api/v1/minutes/sessions/{session_id}/transcript"): {A, M},
    # Meetings, minutes review and action items (hub/api/meetings.py, action_items.py): the
    # same; which meetings and items is decided per booking and owner (404 for the others).
    ("GET", "/api/v1/meetings"): {A, M},
    ("GET", "/api/v1/meetings/{session_id}"): {A, M},
    ("DELETE", "/api/v1/meetings/{session_id}"): {A, M},
    ("GET", "/api/v1/meetings/{session_id}/minutes"): {A, M},
    ("PATCH", "/api/v1/meetings/{session_id}/minutes"): {A, M},
    ("POST", "/api/v1/meetings/{session_id}/minutes/confirm"): {A, M},
    ("GET", "/api/v1/action-items"): {A, M},
    ("GET", "/api/v1/action-items.ics"): {A, M},
    ("PATCH", "/api/v1/action-items/{item_id}"): {A, M},
    # Voice commands (hub/api/voice.py): staff, facilities for rooms in scope (no text).
    ("GET", "/api/v1/rooms/{room_id}/voice-commands"): {A, F},
    # What-if sandbox (hub/api/sandbox.py): staff; facilities replay and change only their
    # department's and shared rooms (a room outside is unknown: 400, like a missing one).
    ("POST", "/api/v1/sandbox/runs"): {A, F},
    # Alerts (hub/api/alerts.py): staff, scoped by department (404 outside it).
    ("GET", "/api/v1/alerts"): {A, F},
    ("GET", "/api/v1/alerts/{alert_id}"): {A, F},
    # Reports (hub/api/reports.py): staff; facilities get their department's and shared
    # spaces, and only the stored runs built for them (404 for the others).
    ("GET", "/api/v1/reports"): {A, F},
    ("GET", "/api/v1/reports/{period}"): {A, F},
    ("GET", "/api/v1/reports/runs/{run_id}/{file_name}"): {A, F},
    # The audit log of administrative actions (hub/api/audit.py): admins only.
    ("GET", "/api/v1/audit"): {A},
    # Terminal software releases and rollouts (hub/api/releases.py): admins only (the fleet).
    ("GET", "/api/v1/releases"): {A},
    ("GET", "/api/v1/rollouts"): {A},
    ("GET", "/api/v1/rollouts/{rollout_id}"): {A},
}
# Signing in (hub/api/auth.py): called without a token by definition; they check a password,
# a refresh token or the bearer token themselves (test_sign_in_endpoints_... below, and
# tests/hub/auth).
SIGN_IN = {("POST", f"/api/v1/auth/{name}") for name in ("token", "refresh", "logout")}
# Public by a secret token in the path instead of a bearer header (test_api_bookings.py
# checks that unknown and revoked feed tokens are 404).
# tests/hub/releases checks the release download's token the same way.
TOKEN_IN_PATH = {("GET", "/calendar/{token}.ics"), ("GET", "/releases/download/{token}")}
# The web dashboard (hub/web): pages check the session cookie themselves (no session: a
# redirect to /login; another role: a 403 page) and read data only through the API above;
# tests/hub/web checks them.
WEB_PAGES = {
    ("GET", path) for path in ("/", "/rooms/{room_id}", "/display/{room_id}", "/analytics",
                               "/alerts", "/me", "/login")
} | {("POST", "/login"), ("POST", "/logout")}  # fmt: skip
PUBLIC = (
    {("GET", "/healthz"), ("GET", "/docs"), ("GET", "/openapi.json")}
    | TOKEN_IN_PATH
    | WEB_PAGES
    | SIGN_IN
)
SPACE_PARAMS = {"room_id", "desk_id", "device_id"}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, including those in included routers."""
    iterate = getattr(routing, "iter_route_contexts", None)  # FastAPI >= 0.16x keeps routers nested
    found = set()
    for route in iterate(app.routes) if iterate else app.routes:
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, getattr(route, "path", "")))
    return found


ROUTES = sorted(app_routes(create_app(Settings(_env_file=None, ingest_enabled=False))))
PROTECTED = [r for r in ROUTES if r not in PUBLIC]


def test_every_route_has_a_decision_in_the_matrix() -> None:
    assert set(ROUTES) == set(ROUTE_ROLES) | PUBLIC


def test_the_openapi_lists_the_same_routes(world: Hub) -> None:
    spec = world.client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert documented == (set(ROUTE_ROLES) | {("GET", "/healthz")} | TOKEN_IN_PATH | SIGN_IN)
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


@pytest.fixture(scope="module")
def spare(world: Hub) -> dict[str, Any]:
    """Objects the matrix may change: a token to revoke, a holiday to delete, bad tokens."""
    world.add_user("spare", "member", "engineering")
    token_id = world.ok("/me/tokens", "spare")[0]["id"]
    day = "2026-12-24"
    assert (
        world.request("POST", "/sites/hq/holidays", json={"date": day, "name": "Eve"}).status_code
        == 201
    )
    revoked = world.add_user("revoked-user", "facilities", "engineering")
    revoked_id = world.ok("/me", "revoked-user")["token_id"]
    assert world.request("DELETE", f"/tokens/{revoked_id}").status_code == 200
    inactive = world.add_user("gone-user", "facilities", "engineering")
    assert world.request("PATCH", "/users/gone-user", json={"active": False}).status_code == 200
    add_alerts(world)
    return {
        "token_id": token_id,
        "day": day,
        "bad_tokens": {
            "unknown": "not-a-token",
            "expired": world.expired_token(user_id("facilities", "engineering")),
            "revoked": revoked,
            "inactive user": inactive,
            "too long": "x" * 5000,
        },
    }


def add_alerts(world: Hub) -> None:
    """Alert 1 about a shared room, then one about each department's spaces."""
    now = world.clock.now()
    subjects = [
        ("room", "hq-f1-aurora", "hq-f1-aurora", "Aurora"),
        ("room", "hq-f2-cosmos", "hq-f2-cosmos", "Cosmos boardroom"),
        ("device", "term-hq-f2-east-desks", "hq-f2-east", "East desk area"),
    ]
    with world.session() as session:
        for kind, subject, room, name in subjects:
            session.add(
                Alert(
                    rule="device_offline" if kind == "device" else "over_capacity",
                    subject_kind=kind,
                    subject_id=subject,
                    room_id=room,
                    severity="warning",
                    message=f"Something is wrong in {name}.",
                    details={},
                    opened_at=now,
                    last_seen_at=now,
                )
            )


def fill(path: str, spare: dict[str, Any], **overrides: str) -> str:
    """The path with real ids in it (visible to every caller whose role may see spaces)."""
    values = {
        "user_id": "spare",
        "token_id": str(spare["token_id"]),
        "site_id": "hq",
        "day": spare["day"],
        "room_id": "hq-f1-aurora",
        "desk_id": "hq-f2-e01",
        "device_id": "term-hq-f1-aurora",
        "occurrence_id": "1",
        "booking_id": "no-such-booking",
        "webhook_id": "1",
        "feed_id": "999999",
        "session_id": "no-such-session",
        "item_id": "1",
        "alert_id": "1",
        "rollout_id": "1",
        "period": "daily",
        "run_id": "1",
        "file_name": "report.html",
        **overrides,
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no test value for a parameter of {path}: add one to fill()"
    return path


@pytest.fixture
def call(world: Hub) -> Iterator[Any]:
    """Send a request and read only the status and headers (the stream never ends)."""

    def send(method: str, path: str, headers: dict[str, str]) -> tuple[int, httpx.Headers, str]:
        body: dict[str, Any] = {"json": {}} if method in ("POST", "PATCH") else {}
        with world.client.stream(method, path, headers=headers, **body) as response:
            text = (
                ""
                if "event-stream" in response.headers.get("content-type", "")
                else response.read().decode()
            )
            return response.status_code, response.headers, text

    yield send


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_token_is_401_with_a_bearer_challenge(
    call: Any, spare: dict[str, Any], method: str, path: str
) -> None:
    status, headers, _ = call(method, fill(path, spare), {})
    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "kind", ["unknown", "expired", "revoked", "inactive user", "too long", "basic"]
)
@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_bad_tokens_are_401(
    call: Any, spare: dict[str, Any], method: str, path: str, kind: str
) -> None:
    if kind == "basic":
        headers = {"Authorization": "Basic YWRtaW46YWRtaW4="}
    else:
        headers = auth(spare["bad_tokens"][kind])
    status, response_headers, _ = call(method, fill(path, spare), headers)
    assert status == 401
    assert response_headers["www-authenticate"].startswith("Bearer")


CALLERS = ["admin"] + [user_id(role, d) for d in DEPARTMENTS for role in ROLES]


def role_of(caller: str) -> str:
    return caller.split("-")[0]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_roles(
    world: Hub, call: Any, spare: dict[str, Any], method: str, path: str, caller: str
) -> None:
    status, _, text = call(method, fill(path, spare), auth(world.tokens[caller]))
    if role_of(caller) in ROUTE_ROLES[(method, path)]:
        assert status not in (401, 403), text
        assert status < 500, text
        if method == "GET" and "{" not in path:
            assert status == 200, text
    else:
        assert status == 403, text
        assert "may not use this endpoint" in text


def foreign_markers(department: str) -> set[str]:
    """Strings that only appear in data of the other department's spaces."""
    if department == "exec":
        return {"hq-f2-east", "hq-f2-e0", "term-hq-f2-east-desks", "East desk area", "engineering"}
    return {"hq-f2-cosmos", "term-hq-f2-cosmos", "Cosmos boardroom", '"exec"'}


SCOPED_CALLERS = [user_id(role, d) for d in DEPARTMENTS for role in ("facilities", "display")]


@pytest.mark.parametrize("caller", SCOPED_CALLERS)
@pytest.mark.parametrize(
    ("method", "path"), [r for r in PROTECTED if r[0] == "GET" and r[1] != "/api/v1/stream"]
)
def test_scoped_callers_never_see_the_other_departments_spaces(
    world: Hub, call: Any, spare: dict[str, Any], method: str, path: str, caller: str
) -> None:
    department = caller.split("-", 1)[1]
    own = {"room_id": OWN_ROOM[department], "device_id": DEVICE_OF_ROOM[OWN_ROOM[department]]}
    if "{desk_id}" in path and department != "engineering":
        pytest.skip("exec has no desks; hidden desks are checked by the 404 test")
    status, _, text = call(method, fill(path, spare, **own), auth(world.tokens[caller]))
    for marker in foreign_markers(department):
        assert marker not in text, f"{caller} saw {marker!r} in {path} ({status})"


def space_routes() -> list[tuple[str, str]]:
    return [r for r in PROTECTED if r[0] == "GET" and SPACE_PARAMS & set(_params(r[1]))]


def _params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def objects(department: str) -> dict[str, dict[str, set[str]]]:
    """Per path parameter: the ids a caller of ``department`` may and may not see."""
    own_desks = EAST_DESKS if department == "engineering" else set()
    foreign_desks = EAST_DESKS - own_desks
    own_rooms = SHARED_ROOMS | {OWN_ROOM[department]}
    foreign_rooms = {OWN_ROOM[OTHER[department]]}
    return {
        "room_id": {"visible": own_rooms, "hidden": foreign_rooms | {"no-such-room"}},
        "desk_id": {"visible": own_desks, "hidden": foreign_desks | {"no-such-desk"}},
        "device_id": {
            "visible": {DEVICE_OF_ROOM[r] for r in own_rooms},
            "hidden": {DEVICE_OF_ROOM[r] for r in foreign_rooms} | {"no-such-device"},
        },
    }


@pytest.mark.parametrize("caller", SCOPED_CALLERS)
@pytest.mark.parametrize(("method", "path"), space_routes())
def test_objects_outside_the_department_are_404_like_missing_ones(
    world: Hub, call: Any, method: str, path: str, caller: str
) -> None:
    if role_of(caller) not in ROUTE_ROLES[(method, path)]:
        pytest.skip("role may not use this endpoint at all (403, covered by test_roles)")
    department = caller.split("-", 1)[1]
    (param,) = [p for p in _params(path) if p in SPACE_PARAMS]
    ids = objects(department)[param]
    for visible in sorted(ids["visible"]):
        status, _, text = call(
            method, path.replace("{" + param + "}", visible), auth(world.tokens[caller])
        )
        assert status == 200, text
    missing = next(i for i in ids["hidden"] if i.startswith("no-such-"))
    _, _, missing_text = call(
        method, path.replace("{" + param + "}", missing), auth(world.tokens[caller])
    )
    for hidden in sorted(ids["hidden"]):
        status, _, text = call(
            method, path.replace("{" + param + "}", hidden), auth(world.tokens[caller])
        )
        assert status == 404, text
        # Exactly the answer for something that does not exist: only the id differs.
        assert text.replace(hidden, "?") == missing_text.replace(missing, "?")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/token", {"username": "admin", "password": "not the password"}),
        ("/api/v1/auth/token", {"username": "no-such-user", "password": "whatever it is"}),
        ("/api/v1/auth/refresh", {"refresh_token": "not-a-refresh-token"}),
        ("/api/v1/auth/logout", {"refresh_token": "not-a-refresh-token"}),
        ("/api/v1/auth/logout", {}),
    ],
)
@pytest.mark.parametrize("kind", ["none", "unknown", "expired", "revoked", "inactive user"])
def test_sign_in_endpoints_refuse_bad_credentials_with_401(
    call: Any, world: Hub, spare: dict[str, Any], path: str, body: dict[str, Any], kind: str
) -> None:
    headers = {} if kind == "none" else auth(spare["bad_tokens"][kind])
    world.app.state.password_attempts = None  # about answers, not limits: a fresh limiter
    answer = world.client.post(path, json=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "token" not in answer.json() and "access_token" not in answer.json()


def test_the_public_endpoints_need_no_token(world: Hub) -> None:
    assert world.client.get("/healthz").json() == {"status": "ok"}
    assert world.client.get("/openapi.json").status_code == 200
    assert world.client.get("/docs").status_code == 200
    assert world.client.get("/redoc").status_code == 404


def test_a_fresh_app_answers_the_same_routes(tmp_path: Any) -> None:
    with running_hub(tmp_path) as hub:
        assert app_routes(hub.app) == set(ROUTES)
