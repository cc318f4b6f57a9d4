"""Fixtures for the tests of people, tokens and the audit log: the API tests' hub
(tests/hub/api/api_world.py) with cheap password hashes."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from hub.auth import passwords

# api_world.py lives with the API tests, auth_world.py here; --import-mode=importlib keeps
# test folders off sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_world import Hub, running_hub


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest: these tests are about what happens around the hash."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One hub per module (starting one costs seconds); webhooks may point at loopback (the
    tests' receiver). Tests make users of their own (``auth_world.new_user``)."""
    with running_hub(tmp_path_factory.mktemp("auth"), webhook_allow_private=True) as running:
        yield running


@pytest.fixture
def hub(shared_hub: Hub) -> Hub:
    """The module's hub with fresh rate limits: each test's sign-ins count on their own."""
    shared_hub.app.state.password_attempts = None
    return shared_hub
