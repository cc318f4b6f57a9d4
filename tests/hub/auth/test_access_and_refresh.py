"""Short-lived access tokens, rotating refresh tokens with reuse detection, signing out, and
the bounded lifetime of personal tokens. Time is the hub's fake clock."""

from datetime import timedelta

import pytest
from api_world import Hub, auth
from auth_world import PASSWORD, me, new_user, refresh, sign_in


def test_an_access_token_lives_fifteen_minutes_and_a_refresh_gives_a_new_one(hub: Hub) -> None:
    user = new_user(hub)
    pair = sign_in(hub, user)
    assert pair["token_type"] == "bearer" and pair["user_id"] == user
    assert pair["expires_in_s"] == 15 * 60
    assert pair["expires_at"] == (hub.clock.now() + timedelta(minutes=15)).isoformat()
    assert pair["refresh_expires_at"] == (hub.clock.now() + timedelta(days=30)).isoformat()
    assert me(hub, pair["access_token"]) == 200
    hub.clock.advance(15 * 60 - 1)
    assert me(hub, pair["access_token"]) == 200
    hub.clock.advance(1)
    assert me(hub, pair["access_token"]) == 401  # expired, on the dot
    renewed = refresh(hub, pair["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != pair["refresh_token"]
    assert me(hub, fresh["access_token"]) == 200
    kinds = {t["id"]: t["kind"] for t in hub.ok(f"/users/{user}/tokens")}
    assert kinds[pair["access_token_id"]] == kinds[fresh["access_token_id"]] == "access"


def test_a_username_may_be_the_email_and_every_failure_looks_the_same(hub: Hub) -> None:
    user, tokens_only = new_user(hub), new_user(hub, password=None)
    hub.request("PATCH", f"/users/{user}", json={"email": f"{user.title()}@Example.com"})
    assert sign_in(hub, f"{user}@example.com")["user_id"] == user
    hub.request("PATCH", f"/users/{tokens_only}", json={"active": False})
    inactive = new_user(hub)
    hub.request("PATCH", f"/users/{inactive}", json={"active": False})
    answers = [
        hub.client.post("/api/v1/auth/token", json={"username": name, "password": password})
        for name, password in [
            (user, "a wrong password"),
            ("nobody-at-all", PASSWORD),
            (tokens_only, PASSWORD),  # has no password: tokens only
            (inactive, PASSWORD),
        ]
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.json()["detail"] for a in answers}) == 1


def test_a_refresh_token_works_once_and_its_reuse_ends_the_whole_sign_in(hub: Hub) -> None:
    user = new_user(hub, "facilities")
    first = sign_in(hub, user)
    second = refresh(hub, first["refresh_token"]).json()
    third = refresh(hub, second["refresh_token"]).json()
    assert me(hub, third["access_token"]) == 200
    # Someone replays the first refresh token: a thief or a confused client, either way the
    # sign-in is no longer trusted.
    replay = refresh(hub, first["refresh_token"])
    assert replay.status_code == 401
    assert me(hub, third["access_token"]) == 401
    assert me(hub, second["access_token"]) == 401
    assert refresh(hub, third["refresh_token"]).status_code == 401
    entry = hub.ok("/audit", params={"action": "auth.refresh_reused"})["items"][0]
    assert entry["target"] == f"user:{user}" and entry["actor"] == "anonymous"
    assert first["refresh_token"] not in str(entry)
    # Other sign-ins of the same person are not affected.
    other = sign_in(hub, user)
    assert me(hub, other["access_token"]) == 200


def test_a_refresh_token_unused_for_thirty_days_expires(hub: Hub) -> None:
    user = new_user(hub)
    pair = sign_in(hub, user)
    hub.clock.advance(timedelta(days=29).total_seconds())
    renewed = refresh(hub, pair["refresh_token"]).json()  # a use gives another 30 days
    hub.clock.advance(timedelta(days=29).total_seconds())
    assert refresh(hub, renewed["refresh_token"]).status_code == 200
    stale = sign_in(hub, user)
    hub.clock.advance(timedelta(days=30).total_seconds())
    assert refresh(hub, stale["refresh_token"]).status_code == 401


def test_logout_ends_the_sign_in_by_its_access_token_or_its_refresh_token(hub: Hub) -> None:
    user = new_user(hub)
    pair = sign_in(hub, user)
    out = hub.client.post("/api/v1/auth/logout", headers=auth(pair["access_token"]))
    assert out.status_code == 200, out.text
    assert out.json() == {"access_token_revoked": True, "refresh_tokens_revoked": 1}
    assert me(hub, pair["access_token"]) == 401
    assert refresh(hub, pair["refresh_token"]).status_code == 401
    other = sign_in(hub, user)
    out = hub.client.post("/api/v1/auth/logout", json={"refresh_token": other["refresh_token"]})
    assert out.status_code == 200
    assert me(hub, other["access_token"]) == 401  # the access token went with it
    assert hub.get("/me", user).status_code == 200  # the personal token is untouched


def test_revoking_an_access_token_ends_its_refresh_tokens_too(hub: Hub) -> None:
    user = new_user(hub)
    pair = sign_in(hub, user)
    gone = hub.request("DELETE", f"/tokens/{pair['access_token_id']}", user)
    assert gone.status_code == 200 and gone.json()["state"] == "revoked"
    assert refresh(hub, pair["refresh_token"]).status_code == 401


def test_changing_a_password_ends_the_other_sign_ins_but_not_this_one(hub: Hub) -> None:
    user = new_user(hub)
    here, elsewhere = sign_in(hub, user), sign_in(hub, user)
    changed = hub.client.put(
        "/api/v1/me/password",
        headers=auth(here["access_token"]),
        json={"current_password": PASSWORD, "new_password": "another long password"},
    )
    assert changed.status_code == 200, changed.text
    assert me(hub, elsewhere["access_token"]) == 401
    assert refresh(hub, elsewhere["refresh_token"]).status_code == 401
    assert me(hub, here["access_token"]) == 200
    assert refresh(hub, here["refresh_token"]).status_code == 200
    assert hub.get("/me", user).status_code == 200  # personal tokens are for programs


@pytest.mark.parametrize(
    ("role", "days", "status"),
    [
        ("member", 365, 201),
        ("member", 366, 422),
        ("member", None, 422),
        ("admin", None, 422),
        ("display", 3650, 201),
        ("device", None, 422),
        ("device", 3651, 422),
    ],
)
def test_personal_tokens_always_expire_within_their_bound(
    hub: Hub, role: str, days: int | None, status: int
) -> None:
    user = new_user(hub, role, password=None)
    made = hub.request("POST", f"/users/{user}/tokens", json={"expires_in_days": days})
    assert made.status_code == status, made.text
    if status == 201:
        body = made.json()
        assert body["kind"] == "personal"
        assert body["expires_at"] == (hub.clock.now() + timedelta(days=days or 0)).isoformat()


def test_the_bound_for_people_is_a_setting(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    shorter = hub.state.settings.model_copy(update={"token_max_days": 30})
    monkeypatch.setattr(hub.state, "settings", shorter)
    too_long = hub.request("POST", "/me/tokens", json={"expires_in_days": 31})
    assert too_long.status_code == 422 and "at most 30 days" in too_long.text
    assert hub.request("POST", "/me/tokens", json={"expires_in_days": 30}).status_code == 201
