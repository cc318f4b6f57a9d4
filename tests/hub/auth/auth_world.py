"""Helpers shared by the tests of people, tokens and the audit log (a name unique in the suite)."""

import itertools
from typing import Any

from api_world import Hub, auth

PASSWORD = "a long enough password"
_serial = itertools.count()


def new_user(
    hub: Hub, role: str = "member", department: str | None = "exec", password: str | None = PASSWORD
) -> str:
    """A user of the calling test's own, with a personal token (``hub.tokens``) and a
    password unless None."""
    user = f"{role}-{next(_serial)}"
    hub.add_user(user, role, department)
    if password is not None:
        with_password(hub, user, password)
    return user


def with_password(hub: Hub, user: str, password: str = PASSWORD) -> str:
    answer = hub.request("PUT", f"/users/{user}/password", json={"password": password})
    assert answer.status_code == 200, answer.text
    return user


def sign_in(hub: Hub, username: str, password: str = PASSWORD) -> dict[str, Any]:
    answer = hub.client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    pair: dict[str, Any] = answer.json()
    return pair


def refresh(hub: Hub, refresh_token: str) -> Any:
    return hub.client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def me(hub: Hub, token: str) -> int:
    return hub.client.get("/api/v1/me", headers=auth(token)).status_code
