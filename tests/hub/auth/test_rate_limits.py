"""Rate limits on signing in: wrong passwords per account and per address, tries per address,
bad refresh tokens per address. 429 with Retry-After, and free again when the window has
passed on the hub's fake clock."""

from datetime import UTC, datetime, timedelta

import pytest
from api_world import Hub
from auth_world import PASSWORD, new_user, refresh, sign_in

from hub.auth.ratelimit import SlidingWindow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def try_password(hub: Hub, user: str, password: str) -> tuple[int, str | None]:
    answer = hub.client.post("/api/v1/auth/token", json={"username": user, "password": password})
    return answer.status_code, answer.headers.get("retry-after")


def test_five_wrong_passwords_lock_the_account_until_the_window_passes(hub: Hub) -> None:
    user, neighbour = new_user(hub), new_user(hub)
    for _ in range(5):
        assert try_password(hub, user, "a wrong password") == (401, None)
        hub.clock.advance(1)
    # Locked, even with the right password; five minutes after the first failure it is free.
    assert try_password(hub, user, PASSWORD) == (429, str(300 - 5))
    assert try_password(hub, user.upper(), PASSWORD) == (429, str(300 - 5))  # same account
    assert sign_in(hub, neighbour)["user_id"] == neighbour  # others from here still may
    hub.clock.advance(300 - 5 - 1)
    assert try_password(hub, user, PASSWORD) == (429, "1")
    hub.clock.advance(1)
    assert try_password(hub, user, PASSWORD)[0] == 200


def test_each_address_gets_a_budget_of_tries_per_minute(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    tight = hub.state.settings.model_copy(update={"auth_requests_per_min": 3})
    monkeypatch.setattr(hub.state, "settings", tight)
    user = new_user(hub)
    for _ in range(3):
        sign_in(hub, user)  # right passwords count too: each costs an Argon2 hash
    assert try_password(hub, user, PASSWORD) == (429, "60")
    # The dashboard's sign-in shares the budget.
    page = hub.client.post(
        "/login", data={"user": user, "password": PASSWORD}, follow_redirects=False
    )
    assert page.status_code == 429 and page.headers["retry-after"] == "60"
    hub.clock.advance(60)
    assert try_password(hub, user, PASSWORD)[0] == 200


def test_guessing_refresh_tokens_is_limited_per_address(hub: Hub) -> None:
    pair = sign_in(hub, new_user(hub))
    for i in range(20):
        assert refresh(hub, f"guess-{i}").status_code == 401
    refused = refresh(hub, pair["refresh_token"])
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 300
    hub.clock.advance(300)
    assert refresh(hub, pair["refresh_token"]).status_code == 200


def test_a_sliding_window_counts_events_per_key() -> None:
    window = SlidingWindow(limit=2, window=timedelta(seconds=10))
    assert window.wait("a", T0) is None
    window.add("a", T0)
    window.add("a", T0 + timedelta(seconds=4))
    assert window.wait("b", T0 + timedelta(seconds=5)) is None
    assert window.wait("a", T0 + timedelta(seconds=5)) == timedelta(seconds=5)
    assert window.wait("a", T0 + timedelta(seconds=10)) is None  # the first one left
    window.clear("a")
    assert window.wait("a", T0 + timedelta(seconds=5)) is None


def test_a_flood_of_addresses_does_not_grow_the_table_without_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hub.auth.ratelimit.SWEEP_ABOVE", 100)
    window = SlidingWindow(limit=5, window=timedelta(minutes=1))
    for i in range(100):
        window.add(f"10.0.{i}.1", T0)
    later = T0 + timedelta(minutes=2)
    for i in range(10):
        window.add(f"10.1.{i}.1", later)
    assert len(window._events) <= 11
