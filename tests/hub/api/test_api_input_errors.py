"""Bad input is a 4xx that says what to change, never a 500, and every answer is documented.

One test per problem the schemathesis run (test_api_fuzz.py) found or guards against.
"""

from typing import Any

import pytest
from api_world import Hub, auth

from hub.db.models import Department, User

SPACE_READS = ("/rooms/hq-f1-aurora/occupancy", "/desks/hq-f2-e01/occupancy", "/utilization")


@pytest.mark.parametrize(
    "params",
    [
        # In UTC these are in year 0 or year 10000, which Python's datetime cannot hold.
        {"start": "0001-01-01T00:00:00+01:00", "end": "0001-01-02T00:00:00+01:00"},
        {"start": "9999-12-30T00:00:00Z", "end": "9999-12-31T23:59:59-01:00"},
        # The default start (end minus the default span) would be before year 1.
        {"end": "0001-01-01T10:00:00Z"},
        # Representable, but the analytics' day arithmetic overflows near the ends.
        {"start": "0001-01-01T00:00:00Z", "end": "0001-01-02T00:00:00Z"},
        {"start": "9999-12-30T00:00:00Z", "end": "9999-12-31T23:59:59Z"},
        # Just outside the accepted 1970-2199.
        {"start": "1969-12-31T23:59:59Z", "end": "1970-01-01T01:00:00Z"},
        {"start": "2199-12-31T00:00:00Z", "end": "2200-01-01T00:00:00Z"},
    ],
)
def test_times_far_in_the_past_or_future_are_a_422_not_a_500(
    hub: Hub, params: dict[str, str]
) -> None:
    for path in SPACE_READS:
        response = hub.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
        assert "out of range: use a time from 1970 to 2199" in response.json()["detail"]


def test_the_first_and_last_accepted_days_are_answered(hub: Hub) -> None:
    for params in (
        {"start": "1970-01-01T00:00:00Z", "end": "1970-01-02T00:00:00-05:00"},
        {"start": "2199-12-31T00:00:00+14:00", "end": "2199-12-31T23:59:59.999999Z"},
    ):
        for path in SPACE_READS:
            for group_by in ("room", "day"):
                response = hub.get(path, params={**params, "group_by": group_by})
                assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize(
    "value",
    [
        "2026-W02-1T09:00:00Z",  # a week date
        "20260105T090000Z",  # the basic format
        "2026-01-05",  # a date alone
        "２０２６-01-05T09:00:00Z",  # full-width digits
        "2026-01-05T09:00:00Z trailing",
    ],
)
def test_times_that_are_not_iso_8601_date_times_are_rejected(hub: Hub, value: str) -> None:
    response = hub.get("/utilization", params={"start": value})
    assert response.status_code == 422
    assert "is not an ISO-8601 time" in response.json()["detail"]


def test_lower_case_t_and_z_and_a_blank_separator_are_accepted_as_rfc_3339_allows(
    hub: Hub,
) -> None:
    body = hub.ok(
        "/rooms/hq-f1-aurora/occupancy",
        params={"start": "2026-01-05t09:00:00z", "end": "2026-01-05 11:00:00+01:00"},
    )
    assert (body["start"], body["end"]) == (
        "2026-01-05T09:00:00+00:00",
        "2026-01-05T10:00:00+00:00",
    )


NUL_INPUTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("GET", "/rooms/hq-f1-aurora%00", {}, "the path"),
    ("GET", "/rooms", {"params": {"floor_id": "hq-main-f1\x00"}}, "query parameter 'floor_id'"),
    ("GET", "/utilization", {"params": {"room_id": ["hq-f1-aurora", "x\x00"]}}, "'room_id'"),
    ("GET", "/rooms", {"params": {"floor\x00": "x"}}, "query parameter name"),
    ("POST", "/departments", {"json": {"id": "sales", "name": "Sa\x00les"}}, "body['name']"),
    (
        "POST",
        "/users",
        {"json": {"id": "nul", "display_name": "N", "role": "member", "aliases": ["a", "\x00"]}},
        "body['aliases'][1]",
    ),
    ("POST", "/users", {"json": {"id": "nul", "role": "member", "na\x00me": 1}}, "a key"),
    ("PATCH", "/users/admin", {"json": {"display_name": "Ad\x00min"}}, "body['display_name']"),
    ("POST", "/sites/hq/holidays", {"json": {"date": "2026-05-01", "name": "\x00"}}, "body"),
    ("POST", "/me/tokens", {"json": {"name": "laptop\x00"}}, "body['name']"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "where"), NUL_INPUTS)
def test_a_nul_character_anywhere_in_the_input_is_a_422(
    hub: Hub, method: str, path: str, kwargs: dict[str, Any], where: str
) -> None:
    # PostgreSQL can neither store nor compare text with NUL in it: it would be a 500 there.
    response = hub.request(method, path, **kwargs)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "NUL character" in detail and where in detail, detail
    with hub.session() as session:
        assert session.get(Department, "sales") is None
        assert session.get(User, "nul") is None
        assert session.get(User, "admin").display_name == "Administrator"  # type: ignore[union-attr]
    assert hub.ok("/sites/hq/holidays") == []
    assert [t["name"] for t in hub.ok("/me/tokens")] == ["bootstrap"]


def test_a_nul_character_is_checked_only_after_the_token(hub: Hub) -> None:
    response = hub.client.get("/api/v1/rooms", params={"floor_id": "\x00"})
    assert response.status_code == 401
    response = hub.client.get(
        "/api/v1/rooms", params={"floor_id": "\x00"}, headers=auth("not-a-token")
    )
    assert response.status_code == 401


def test_numbers_and_booleans_in_bodies_are_not_guessed_from_other_types(people: Hub) -> None:
    for days in (True, "30", 30.5):
        response = people.request("POST", "/me/tokens", json={"expires_in_days": days})
        assert response.status_code == 422, days
    for flag in (0, "no", "false", None):
        response = people.request("PATCH", "/users/member-exec", json={"active": flag})
        assert response.status_code == 422, flag
    assert people.ok("/users/member-exec")["active"] is True


def test_holiday_dates_are_written_as_yyyy_mm_dd_only(hub: Hub) -> None:
    for bad in (0, 86400, "86400", "2026-05-01T00:00:00", "2026-5-1"):
        response = hub.request("POST", "/sites/hq/holidays", json={"date": bad})
        assert response.status_code == 422, bad
        assert "YYYY-MM-DD" in response.text or "date" in response.text
    assert hub.request("DELETE", "/sites/hq/holidays/86400").status_code == 422
    assert hub.request("DELETE", "/sites/hq/holidays/2026-05-01T00:00:00").status_code == 422
    created = hub.request("POST", "/sites/hq/holidays", json={"date": "2026-05-01"})
    assert created.status_code == 201
    assert hub.request("DELETE", "/sites/hq/holidays/2026-05-01").status_code == 204


def test_blank_names_are_rejected_and_names_are_stored_trimmed(people: Hub) -> None:
    assert (
        people.request("POST", "/departments", json={"id": "sales", "name": "  "}).status_code
        == 422
    )
    created = people.request("POST", "/departments", json={"id": "sales", "name": " Sales "})
    assert created.json() == {"id": "sales", "name": "Sales"}
    for patch in ({"display_name": " \t"}, {"aliases": ["Li", "  "]}):
        assert people.request("PATCH", "/users/member-exec", json=patch).status_code == 422
    new_user = {"id": "li", "display_name": "Li", "role": "member", "aliases": [" "]}
    assert people.request("POST", "/users", json=new_user).status_code == 422
    changed = people.request(
        "PATCH", "/users/member-exec", json={"display_name": " Mem ", "aliases": [" 李 "]}
    )
    assert changed.status_code == 200
    assert (changed.json()["display_name"], changed.json()["aliases"]) == ("Mem", ["李"])


def test_a_body_nested_too_deeply_to_parse_is_a_documented_400(hub: Hub) -> None:
    response = hub.client.post(
        "/api/v1/me/tokens",
        content=b"[" * 100_000,
        headers={**auth(hub.tokens["admin"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
    document = hub.client.get("/openapi.json").json()
    assert "400" in document["paths"]["/api/v1/me/tokens"]["post"]["responses"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/users", "GET, POST"),
        ("PUT", "/api/v1/users/admin", "GET, PATCH"),
        ("DELETE", "/api/v1/users/admin/tokens", "GET, POST"),
        ("POST", "/api/v1/sites/hq/holidays/2026-05-01", "DELETE"),
        ("POST", "/api/v1/me", "GET"),
    ],
)
def test_a_405_names_every_method_of_the_path_in_allow(
    hub: Hub, method: str, path: str, allow: str
) -> None:
    response = hub.client.request(method, path, headers=auth(hub.tokens["admin"]))
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"detail": "Method Not Allowed"}


def test_the_openapi_documents_every_answer_a_route_can_give(hub: Hub) -> None:
    document = hub.client.get("/openapi.json").json()
    creates = {"/api/v1/users", "/api/v1/departments", "/api/v1/sites/{site_id}/holidays"}
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            documented = set(operation["responses"])
            where = f"{method.upper()} {path}"
            assert {"401", "403", "422"} <= documented, where
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/InputErrorOut"}, where
            if "{" in path:
                assert "404" in documented, where
            if "requestBody" in operation:
                assert "400" in documented, where
            if method == "post" and path in creates:
                assert "409" in documented, where


def test_working_hours_are_documented_as_local_times_without_an_offset(hub: Hub) -> None:
    document = hub.client.get("/openapi.json").json()
    hours = document["components"]["schemas"]["WorkingHours"]["properties"]
    # JSON Schema's "time" format is RFC 3339's full-time, which requires an offset.
    assert "format" not in hours["start"] and "format" not in hours["end"]
    room = hub.ok("/rooms/hq-f1-aurora")
    assert room["working_hours"]["start"] == "08:00:00"
