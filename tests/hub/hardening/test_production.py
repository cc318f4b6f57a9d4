"""Production mode: API docs for admins only (or off), CORS only from the allow-list,
security headers on every answer (HSTS over TLS), and no traceback in a 500."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import Hub, auth, running_hub
from fastapi.testclient import TestClient
from pydantic import ValidationError

from hub.settings import Settings

DOCS = ("/docs", "/openapi.json")
ALLOWED = "https://intranet.example.com"


@pytest.fixture(scope="module")
def development(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running_hub(tmp_path_factory.mktemp("development")) as hub:
        yield hub


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    path = tmp_path_factory.mktemp("production")
    origins = f"{ALLOWED}, https://wall.example.com"
    with running_hub(path, env="production", cors_origins=origins) as hub:
        hub.add_user("ann", "member", None)
        hub.add_user("fran", "facilities", None)
        yield hub


def test_development_docs_are_public(development: Hub) -> None:
    for path in DOCS:
        assert development.client.get(path).status_code == 200, path
    assert development.client.get("/redoc").status_code == 404


def test_production_docs_are_for_admins_only(production: Hub) -> None:
    client, tokens = production.client, production.tokens
    for path in DOCS:
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=auth(tokens["ann"])).status_code == 403
        assert client.get(path, headers=auth(tokens["fran"])).status_code == 403
        assert client.get(path, headers=auth(tokens["admin"])).status_code == 200
    schema = client.get("/openapi.json", headers=auth(tokens["admin"])).json()
    assert "/api/v1/rooms" in schema["paths"]
    assert "/openapi.json" not in schema["paths"]  # the docs routes document nothing
    assert client.get("/redoc").status_code == 404


def test_docs_can_be_turned_off(tmp_path: Path) -> None:
    with running_hub(tmp_path, env="production", api_docs="off") as hub:
        for path in DOCS:
            assert hub.client.get(path, headers=auth(hub.tokens["admin"])).status_code == 404


def preflight(hub: Hub, origin: str) -> dict[str, str]:
    response = hub.client.options(
        "/api/v1/rooms",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    return dict(response.headers)


def test_cors_answers_only_the_allowed_origins(production: Hub, development: Hub) -> None:
    headers = preflight(production, ALLOWED)
    assert headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in headers
    assert "authorization" in headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in preflight(production, "https://evil.example.com")
    got = production.client.get(
        "/api/v1/rooms", headers={"Origin": ALLOWED, **auth(production.tokens["admin"])}
    )
    assert got.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-origin" not in preflight(development, ALLOWED)  # no list


@pytest.mark.parametrize("origins", ["*", "https://a.example.com, *", "https://a.example.com/x"])
def test_a_wildcard_or_a_path_is_refused(origins: str) -> None:
    with pytest.raises(ValidationError, match="QUORUM_CORS_ORIGINS"):
        Settings(_env_file=None, cors_origins=origins)


def test_security_headers_on_every_answer_and_hsts_over_tls(development: Hub) -> None:
    client = development.client
    for response in (
        client.get("/healthz"),
        client.get("/api/v1/rooms"),  # a 401
        client.get("/no/such/page"),  # a 404
        client.get("/static/app.css"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers  # plain http
    # The dashboard's pages keep their own, fuller policy.
    assert client.get("/login").headers["content-security-policy"].startswith("default-src 'self'")
    tls = TestClient(development.app, base_url="https://hub.example.com")
    assert tls.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"


def test_an_unexpected_error_is_a_500_without_a_traceback(production: Hub) -> None:
    @production.app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail from deep inside")

    response = TestClient(production.app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error; it has been logged"}
    assert "secret detail" not in response.text and "Traceback" not in response.text
