"""Users and tokens: who you are, admin management, revocation that bites at once."""

import hashlib
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from api_world import ADMIN_TOKEN, Hub, auth, running_hub
from sqlalchemy import select

from hub.db.models import ApiToken, User


def test_me_says_who_you_are(people: Hub) -> None:
    me = people.ok("/me", "facilities-exec")
    assert me["id"] == "facilities-exec"
    assert me["role"] == "facilities"
    assert me["department_id"] == "exec"
    assert me["created_at"].endswith("+00:00")


def test_tokens_are_stored_only_as_sha256(people: Hub) -> None:
    token = people.tokens["member-engineering"]
    with people.session() as session:
        hashes = set(session.scalars(select(ApiToken.token_hash)))
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in hashes
    assert len(token) >= 40


def test_admin_creates_a_user_with_aliases_and_gets_a_token_once(hub: Hub) -> None:
    created = hub.request(
        "POST",
        "/users",
        json={
            "id": "li-wei",
            "display_name": "Li Wei",
            "role": "member",
            "department_id": "exec",
            "email": "li.wei@example.com",
            "aliases": ["李伟", "Wei"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["aliases"] == ["李伟", "Wei"]
    issued = hub.request(
        "POST", "/users/li-wei/tokens", json={"name": "laptop", "expires_in_days": 30}
    )
    assert issued.status_code == 201
    body = issued.json()
    assert body["expires_at"] == (hub.clock.now() + timedelta(days=30)).isoformat()
    listed = hub.ok("/users/li-wei/tokens")
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]
    assert hub.client.get("/api/v1/me", headers=auth(body["token"])).json()["id"] == "li-wei"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"id": "Bad Id", "display_name": "X", "role": "member"}, 422, "pattern"),
        ({"id": "x", "display_name": "X", "role": "boss"}, 422, "admin"),
        (
            {"id": "x", "display_name": "X", "role": "member", "department_id": "nope"},
            422,
            "unknown department 'nope'",
        ),
        ({"id": "admin", "display_name": "X", "role": "member"}, 409, "already exists"),
        (
            {"id": "x", "display_name": "X", "role": "member", "email": "not-an-email"},
            422,
            "pattern",
        ),
        ({"id": "x", "display_name": "X", "role": "member", "surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_user_input_is_a_4xx_that_says_what_to_fix(
    hub: Hub, body: dict[str, object], status: int, message: str
) -> None:
    response = hub.request("POST", "/users", json=body)
    assert response.status_code == status
    assert message in response.text


def test_patch_changes_only_what_is_sent(people: Hub) -> None:
    response = people.request("PATCH", "/users/member-exec", json={"display_name": "Renamed"})
    assert response.status_code == 200
    assert response.json()["display_name"] == "Renamed"
    assert response.json()["department_id"] == "exec"
    cleared = people.request("PATCH", "/users/member-exec", json={"department_id": None}).json()
    assert cleared["department_id"] is None
    assert people.request("PATCH", "/users/member-exec", json={"role": None}).status_code == 422


def test_deactivating_a_user_stops_their_tokens_at_once_and_for_good(people: Hub) -> None:
    uid = "facilities-engineering"
    assert people.get("/rooms", uid).status_code == 200
    assert people.request("PATCH", f"/users/{uid}", json={"active": False}).status_code == 200
    response = people.get("/rooms", uid)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Coming back does not revive the old tokens: they were revoked with the deactivation.
    assert people.request("PATCH", f"/users/{uid}", json={"active": True}).status_code == 200
    assert people.get("/rooms", uid).status_code == 401
    assert {t["state"] for t in people.ok(f"/users/{uid}/tokens")} == {"revoked"}


def test_inactive_users_get_no_new_tokens(people: Hub) -> None:
    people.request("PATCH", "/users/member-exec", json={"active": False})
    response = people.request("POST", "/users/member-exec/tokens", json={})
    assert response.status_code == 409
    assert "inactive" in response.text


def test_the_last_admin_cannot_lock_everyone_out(hub: Hub) -> None:
    response = hub.request("PATCH", "/users/admin", json={"active": False})
    assert response.status_code == 409
    assert hub.request("PATCH", "/users/admin", json={"role": "member"}).status_code == 409
    hub.add_user("second-admin", "admin", None)
    assert hub.request("PATCH", "/users/admin", json={"active": False}).status_code == 200


def test_revoking_a_token_works_at_once(people: Hub) -> None:
    uid = "member-engineering"
    mine = people.ok("/me/tokens", uid)
    assert len(mine) == 1
    response = people.request("DELETE", f"/tokens/{mine[0]['id']}", uid)
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert people.get("/me", uid).status_code == 401


def test_members_manage_their_own_tokens_only(people: Hub) -> None:
    new = people.request("POST", "/me/tokens", "member-exec", json={"name": "phone"})
    assert new.status_code == 201
    assert new.json()["expires_at"] is not None
    others = people.ok("/me/tokens", "member-engineering")[0]["id"]
    # Someone else's token looks exactly like one that does not exist.
    assert people.request("DELETE", f"/tokens/{others}", "member-exec").status_code == 404
    assert people.request("DELETE", "/tokens/999999", "member-exec").status_code == 404
    # Every token expires: people's after at most QUORUM_TOKEN_MAX_DAYS (365).
    for days in (None, 366):
        long = people.request("POST", "/me/tokens", "member-exec", json={"expires_in_days": days})
        assert long.status_code == 422, days
        assert "at most 365 days" in long.text


@pytest.mark.parametrize("token_id", ["0", "-1", "abc", str(2**70)])
def test_absurd_token_ids_are_client_errors(hub: Hub, token_id: str) -> None:
    assert hub.request("DELETE", f"/tokens/{token_id}").status_code == 422


def test_expired_tokens_stop_working_when_the_clock_passes_them(people: Hub) -> None:
    token = people.request("POST", "/me/tokens", "member-exec", json={"expires_in_days": 1}).json()[
        "token"
    ]
    assert people.client.get("/api/v1/me", headers=auth(token)).status_code == 200
    people.clock.advance(timedelta(days=1).total_seconds())
    assert people.client.get("/api/v1/me", headers=auth(token)).status_code == 401


def test_departments_admin_creates_facilities_sees_own(people: Hub) -> None:
    created = people.request("POST", "/departments", json={"id": "sales", "name": "Sales"})
    assert created.status_code == 201
    assert (
        people.request("POST", "/departments", json={"id": "sales", "name": "x"}).status_code == 409
    )
    assert {d["id"] for d in people.ok("/departments")} == {"engineering", "exec", "sales"}
    assert [d["id"] for d in people.ok("/departments", "facilities-exec")] == ["exec"]


def test_the_bootstrap_token_is_registered_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_hub(tmp_path) as hub:
        assert hub.ok("/me")["role"] == "admin"
    assert f"admin token: {ADMIN_TOKEN}" in capsys.readouterr().err
    with running_hub(tmp_path) as hub:
        assert hub.ok("/me")["id"] == "admin"
    assert "admin token" not in capsys.readouterr().err


def test_without_a_configured_token_a_random_one_is_made_on_first_start_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "secrets" / "admin-token"
    with running_hub(tmp_path, bootstrap_token=None, bootstrap_token_file=token_file) as hub:
        token = token_file.read_text().strip()
        assert hub.client.get("/api/v1/me", headers=auth(token)).json()["role"] == "admin"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert capsys.readouterr().err.count(f"admin token: {token}") == 1
    again = running_hub(tmp_path, bootstrap_token=None, bootstrap_token_file=token_file)
    with again as hub, hub.session() as session:
        assert len(session.scalars(select(ApiToken).where(ApiToken.user_id == "admin")).all()) == 1
        assert session.get(User, "admin") is not None
    assert "admin token" not in capsys.readouterr().err
    assert token_file.read_text().strip() == token
