"""Password rules, hashing, and what setting a password does to web sessions."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hub.auth.passwords import (
    WEB_SESSION,
    check_password_rules,
    set_password,
    verify_password,
    verify_user_password,
)
from hub.auth.tokens import WEB, issue_token, token_state
from hub.auth.users import InputError, create_user
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as opened:
        yield opened
    engine.dispose()


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short", "at least 10"), (" " * 12, "only blanks"), ("x" * 257, "at most 256")],
)
def test_weak_or_absurd_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        check_password_rules(password)


def test_a_password_is_stored_as_an_argon2id_hash_and_verified(session: Session) -> None:
    user = create_user(session, user_id="ana", display_name="Ana", role="facilities", now=NOW)
    assert not verify_user_password(user, "anything at all")  # no password: tokens only
    set_password(session, user, "correct horse battery", NOW)
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert verify_user_password(user, "correct horse battery")
    assert not verify_user_password(user, "correct horse batterY")
    assert not verify_password("not a hash", "correct horse battery")
    assert not verify_user_password(None, "correct horse battery")


def test_setting_a_password_ends_the_other_web_sessions_only(session: Session) -> None:
    user = create_user(session, user_id="ana", display_name="Ana", role="member", now=NOW)
    day = timedelta(days=1)
    api = issue_token(session, "ana", now=NOW, name="laptop").row
    web_a = issue_token(session, "ana", now=NOW, name=WEB_SESSION, expires_in=day, kind=WEB).row
    web_b = issue_token(session, "ana", now=NOW, name=WEB_SESSION, expires_in=day, kind=WEB).row
    ended = set_password(session, user, "a new long password", NOW, keep_token_id=web_b.id)
    session.refresh(api)
    session.refresh(web_a)
    session.refresh(web_b)
    assert ended == 1
    assert [token_state(t, NOW) for t in (api, web_a, web_b)] == ["active", "revoked", "active"]
