"""Request bodies over the limit get a 413 in the API's error shape, with or without a
Content-Length, before any route runs; bodies within it reach the route unchanged."""

from collections.abc import Iterator

import pytest
from api_world import Hub, auth, running_hub

from hub.bookings.ical_import import MAX_BYTES as ICAL_MAX_BYTES

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running_hub(tmp_path_factory.mktemp("limit"), max_body_bytes=LIMIT) as running:
        yield running


def chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    """A body sent as a stream: httpx sends it chunked, without a Content-Length."""
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        sent += part
        yield b" " * part


def post(hub: Hub, path: str, content: object, **headers: str) -> tuple[int, dict[str, str]]:
    response = hub.client.post(
        path, content=content, headers={**auth(hub.tokens["admin"]), **headers}
    )
    body = response.json() if "json" in response.headers.get("content-type", "") else {}
    return response.status_code, body


def test_a_declared_length_over_the_limit_is_refused(hub: Hub) -> None:
    status, body = post(hub, "/api/v1/departments", b"x" * (LIMIT + 1))
    assert status == 413
    assert body == {"detail": f"the request body is larger than {LIMIT} bytes; send less"}


def test_a_chunked_body_over_the_limit_is_refused_too(hub: Hub) -> None:
    request = hub.client.build_request("POST", "/api/v1/departments", content=chunks(LIMIT + 1))
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    status, body = post(hub, "/api/v1/departments", chunks(LIMIT + 1))
    assert status == 413 and "larger than" in body["detail"]


def test_bodies_within_the_limit_reach_the_route(hub: Hub) -> None:
    document = b'{"id": "legal", "name": "Legal"}'
    status, body = post(
        hub, "/api/v1/departments", iter([document]), **{"content-type": "application/json"}
    )
    assert status == 201, body
    # Exactly at the limit: the route's own answer (not JSON it can use), not a 413.
    padded = document + b" " * (LIMIT - len(document))
    status, _ = post(hub, "/api/v1/departments", padded, **{"content-type": "application/json"})
    assert status == 409  # "legal" exists already: the route read the whole body


def test_an_icalendar_import_may_be_as_large_as_the_importer_takes(hub: Hub) -> None:
    path = "/api/v1/booking-imports?space_kind=room&space_id=hq-f1-aurora"
    calendar = {"content-type": "text/calendar"}
    status, body = post(hub, path, b"x" * (LIMIT * 2), **calendar)
    assert status == 422, body  # read and refused by the importer: it is not iCalendar
    status, body = post(hub, path, chunks(ICAL_MAX_BYTES + 1), **calendar)
    assert status == 413, body


def test_requests_without_a_body_pass(hub: Hub) -> None:
    assert hub.client.get("/healthz").status_code == 200
    assert hub.get("/rooms").status_code == 200
    stream = hub.client.build_request("GET", "/api/v1/rooms")
    assert "content-length" not in stream.headers and "transfer-encoding" not in stream.headers
