"""Signing in to the dashboard: passwords through the API, the session cookie, CSRF, the
limit on wrong passwords, signing out, and which pages each role may open."""

import itertools
import re

import pytest
from api_world import Hub

PASSWORD = "a long enough password"
PAGES = ["/", "/rooms/hq-f1-aurora", "/display/hq-f1-aurora", "/analytics", "/alerts", "/me"]


_serial = itertools.count()


def new_user(
    hub: Hub, role: str, department: str | None = "exec", password: str | None = PASSWORD
) -> str:
    """A user of this test's own (with a token, and a password unless None)."""
    user = f"{role}-web-{next(_serial)}"
    hub.add_user(user, role, department)
    if password is not None:
        set_password(hub, user, password)
    return user


def set_password(hub: Hub, user: str, password: str = PASSWORD) -> None:
    answer = hub.request("PUT", f"/users/{user}/password", json={"password": password})
    assert answer.status_code == 200, answer.text


def sign_in(hub: Hub, user: str, password: str = PASSWORD, next_page: str = "/") -> None:
    hub.client.cookies.clear()
    answer = hub.client.post(
        "/login",
        data={"user": user, "password": password, "next": next_page},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == next_page


def csrf(hub: Hub) -> dict[str, str]:
    return {"X-Quorum-CSRF": hub.client.cookies["quorum_csrf"]}


@pytest.mark.parametrize("page", PAGES)
def test_pages_send_a_visitor_without_a_session_to_the_sign_in_page(people: Hub, page: str) -> None:
    people.client.cookies.clear()
    answer = people.client.get(page, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=%2F")


def test_a_right_password_gives_a_session_cookie_that_the_api_accepts(people: Hub) -> None:
    user = new_user(people, "facilities", "engineering")
    people.client.cookies.clear()
    answer = people.client.post(
        "/login",
        data={"user": user, "password": PASSWORD, "next": "/analytics"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/analytics"
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("quorum_session="))
    assert "HttpOnly" in session
    assert "SameSite=strict" in session or "SameSite=Strict" in session
    assert "Secure" not in session  # plain http here; https sets it
    readable = next(c for c in cookies if c.startswith("quorum_csrf="))
    assert "HttpOnly" not in readable
    me = people.client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user
    tokens = people.get(f"/users/{user}/tokens").json()
    web = [t for t in tokens if t["name"] == "web session"]
    assert len(web) == 1 and web[0]["expires_at"] is not None


def test_a_change_made_by_cookie_needs_the_csrf_header(people: Hub) -> None:
    sign_in(people, new_user(people, "member"))
    body = {"name": "from the dashboard", "expires_in_days": 1}
    refused = people.client.post("/api/v1/me/tokens", json=body)
    assert refused.status_code == 403
    assert "X-Quorum-CSRF" in refused.json()["detail"]
    wrong = people.client.post("/api/v1/me/tokens", json=body, headers={"X-Quorum-CSRF": "0" * 64})
    assert wrong.status_code == 403
    made = people.client.post("/api/v1/me/tokens", json=body, headers=csrf(people))
    assert made.status_code == 201, made.text


def test_a_wrong_password_is_a_generic_error_and_five_lock_the_account(people: Hub) -> None:
    member = new_user(people, "member")
    without = new_user(people, "display", password=None)
    people.client.cookies.clear()
    for user in (member, "nobody-at-all", without):  # no such user / no password
        answer = people.client.post("/login", data={"user": user, "password": "wrong password!"})
        assert answer.status_code == 401
        assert "Wrong user name or password." in answer.text
    for _ in range(4):
        people.client.post("/login", data={"user": member, "password": "wrong password!"})
    locked = people.client.post("/login", data={"user": member, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    assert "quorum_session" not in people.client.cookies
    people.clock.advance(301)
    sign_in(people, member)


def test_signing_out_revokes_the_session(people: Hub) -> None:
    sign_in(people, new_user(people, "facilities"))
    cookie = people.client.cookies["quorum_session"]
    page = people.client.get("/")
    value = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert value is not None
    refused = people.client.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    out = people.client.post("/logout", data={"csrf": value.group(1)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # The same cookie, kept by someone who copied it, no longer works.
    people.client.cookies.clear()
    people.client.cookies.set("quorum_session", cookie)
    assert people.client.get("/api/v1/me").status_code == 401


def test_the_sign_in_form_only_accepts_its_own_origin_and_local_targets(people: Hub) -> None:
    user = new_user(people, "member")
    people.client.cookies.clear()
    form = {"user": user, "password": PASSWORD, "next": "//evil.example/x"}
    cross = people.client.post("/login", data=form, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    answer = people.client.post("/login", data=form, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_people_change_their_own_password_with_the_current_one(people: Hub) -> None:
    user = new_user(people, "facilities", password=None)
    no_password = people.request(
        "PUT", "/me/password", user, json={"current_password": "x", "new_password": PASSWORD}
    )
    assert no_password.status_code == 409
    set_password(people, user)
    sign_in(people, user)  # a web session elsewhere, which the change ends
    elsewhere = people.client.cookies["quorum_session"]
    body = {"current_password": "not it at all", "new_password": "another long password"}
    wrong = people.request("PUT", "/me/password", user, json=body)
    assert wrong.status_code == 422
    assert wrong.json()["detail"] == "the current password is wrong"
    weak = people.request(
        "PUT", "/me/password", user, json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert weak.status_code == 422
    body["current_password"] = PASSWORD
    changed = people.request("PUT", "/me/password", user, json=body)
    assert changed.status_code == 200, changed.text
    assert changed.json()["web_sessions_ended"] == 1
    people.client.cookies.clear()
    people.client.cookies.set("quorum_session", elsewhere)
    assert people.client.get("/api/v1/me").status_code == 401
    sign_in(people, user, "another long password")


def test_facilities_never_get_minutes_pages_links_or_api(people: Hub) -> None:
    sign_in(people, new_user(people, "facilities"))
    home = people.client.get("/")
    assert home.status_code == 200
    assert 'href="/me"' not in home.text and "My work" not in home.text
    assert 'href="/analytics"' in home.text
    page = people.client.get("/me")
    assert page.status_code == 403
    assert "not available to facilities accounts" in page.text
    for path in ("/meetings", "/action-items", "/rooms/hq-f1-aurora/minutes/sessions"):
        assert people.client.get(f"/api/v1{path}").status_code == 403, path


def test_each_role_gets_its_own_pages(people: Hub) -> None:
    sign_in(people, new_user(people, "member"))
    home = people.client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/me"
    mine = people.client.get("/me")
    assert mine.status_code == 200 and 'src="/static/me.js"' in mine.text
    assert people.client.get("/analytics").status_code == 403
    sign_in(people, new_user(people, "display"))
    assert people.client.get("/display/hq-f2-cosmos").status_code == 200
    assert people.client.get("/analytics").status_code == 403
    page = people.client.get("/")
    assert 'href="/analytics"' not in page.text and 'href="/me"' not in page.text


def test_pages_and_files_come_from_the_hub_only(people: Hub) -> None:
    sign_in(people, new_user(people, "admin", department=None))
    page = people.client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<meta name="viewport"' in page.text
    for src in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text):
        assert src.startswith("/static/"), src
        assert people.client.get(src).status_code == 200, src
    assert people.client.get("/rooms/Not A Slug").status_code == 422
