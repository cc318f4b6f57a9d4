"""The audit log: administrative actions are written in order with who, what, to what, from
where, and never a secret; admins read it back (API and command line), nobody else."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_world import Hub, auth
from auth_world import new_user, sign_in

from hub.audit import record
from hub.audit.query import AuditFilter, list_entries
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET_PASSWORD = "correct horse battery staple"


def entries(hub: Hub, **params: Any) -> list[dict[str, Any]]:
    page = hub.ok("/audit", params=params)
    items: list[dict[str, Any]] = page["items"]
    return items


def test_record_keeps_what_happened_but_never_a_secret(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        record(
            session,
            actor="user:ana",
            action="user.update",
            target="user:bob",
            details={
                "password": "p1",
                "new_password": "p2",
                "token": "t1",
                "api-key": "k1",
                "nested": {"client_secret": "s1", "kept": 1},
                "token_id": 7,
                "tokens_revoked": 3,
                "when": T0,
                "long": "x" * 2000,
            },
            now=T0,
            address="10.0.0.9",
        )
        with pytest.raises(ValueError, match="aware"):
            record(session, actor="a", action="b", target="c", now=datetime(2026, 1, 1))
        session.commit()
        (entry,) = list_entries(session, AuditFilter())
    engine.dispose()
    assert (entry.actor, entry.action, entry.target, entry.address) == (
        "user:ana",
        "user.update",
        "user:bob",
        "10.0.0.9",
    )
    assert entry.at == T0
    details = entry.details
    assert details["nested"] == {"kept": 1}
    assert (details["token_id"], details["tokens_revoked"]) == (7, 3)
    assert details["when"] == str(T0)
    assert len(details["long"]) == 501
    assert not {"password", "new_password", "token", "api-key"} & set(details)


def test_an_admins_actions_are_written_in_order_with_their_content(hub: Hub) -> None:
    user = new_user(hub, "member", "exec", password=None)  # user.create, token.create
    token_id = hub.ok("/me", user)["token_id"]
    steps = [
        ("PATCH", f"/users/{user}", {"display_name": "Bo", "role": "facilities"}),
        ("PUT", f"/users/{user}/password", {"password": SECRET_PASSWORD}),
        ("DELETE", f"/tokens/{token_id}", None),
        ("POST", "/departments", {"id": f"dept-{user}", "name": "Sales"}),
        ("PATCH", f"/users/{user}", {"active": False}),
    ]
    for method, path, body in steps:
        answer = hub.request(method, path, json=body)
        assert answer.is_success, answer.text
    mine = [e for e in entries(hub, limit=20) if user in e["target"] or user in str(e["details"])]
    assert [(e["action"], e["target"]) for e in reversed(mine)] == [
        ("user.create", f"user:{user}"),
        ("token.create", f"token:{token_id}"),
        ("user.update", f"user:{user}"),
        ("user.role_change", f"user:{user}"),
        ("user.password_set", f"user:{user}"),
        ("token.revoke", f"token:{token_id}"),
        ("department.create", f"department:dept-{user}"),
        ("user.deactivate", f"user:{user}"),
    ]
    by_action = {e["action"]: e for e in mine}
    assert by_action["user.update"]["details"] == {
        "changes": {"display_name": {"from": user.title(), "to": "Bo"}}
    }
    assert by_action["user.role_change"]["details"] == {"from": "member", "to": "facilities"}
    assert by_action["token.create"]["details"]["user_id"] == user
    assert all(e["actor"] == "user:admin" and e["address"] == "testclient" for e in mine)
    assert by_action["department.create"]["details"] == {"name": "Sales"}
    everything = hub.get("/audit", params={"limit": 1000}).text
    assert SECRET_PASSWORD not in everything
    assert hub.tokens[user] not in everything


def test_people_managing_their_own_access_are_audited_too(hub: Hub) -> None:
    user = new_user(hub)
    pair = sign_in(hub, user)
    made = hub.client.post("/api/v1/me/tokens", headers=auth(pair["access_token"]), json={})
    assert made.status_code == 201
    hook = hub.request(
        "POST", "/me/webhooks", user, json={"url": "http://127.0.0.1:9/hooks/s3cr3t-path"}
    )
    assert hook.status_code == 201
    found = entries(hub, actor=f"user:{user}")
    assert [e["action"] for e in found] == ["webhook.create", "token.create"]
    assert found[0]["details"] == {"user_id": user, "host": "127.0.0.1"}  # not the path
    assert "s3cr3t" not in str(found)


def test_filters_and_pages(hub: Hub) -> None:
    first = new_user(hub, password=None)
    hub.clock.advance(60)
    second = new_user(hub, password=None)
    page = hub.ok("/audit", params={"action": "user.", "limit": 1})
    assert page["limit"] == 1 and page["total"] >= 2
    assert [e["target"] for e in page["items"]] == [f"user:{second}"]
    older = hub.ok("/audit", params={"action": "user.create", "limit": 1, "offset": 1})
    assert [e["target"] for e in older["items"]] == [f"user:{first}"]
    since = (hub.clock.now() - timedelta(seconds=30)).isoformat()
    recent = entries(hub, action="user.create", start=since)
    assert [e["target"] for e in recent] == [f"user:{second}"]
    bad = hub.get("/audit", params={"start": since, "end": since})
    assert bad.status_code == 422


@pytest.mark.parametrize("role", ["facilities", "member", "display", "device"])
def test_only_admins_read_the_audit_log(hub: Hub, role: str) -> None:
    user = new_user(hub, role, password=None)
    answer = hub.get("/audit", user)
    assert answer.status_code == 403
    assert "items" not in answer.text


def test_refused_changes_write_nothing(hub: Hub) -> None:
    before = hub.ok("/audit")["total"]
    assert hub.request("PATCH", "/users/admin", json={"active": False}).status_code == 409
    assert hub.request("POST", "/users", json={"id": "Bad!"}).status_code == 422
    assert hub.ok("/audit")["total"] == before
