"""Fixtures for the dashboard's tests: the API tests' hub (tests/hub/api/api_world.py)."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

import hub.auth.passwords

# api_world.py lives with the API tests; --import-mode=importlib keeps it off sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))

from api_world import Hub, populate, running_hub


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest: the real cost makes each hash take a good part of a second on
    a busy two-core machine, which tests of the logic around it need not pay."""
    monkeypatch.setattr(hub.auth.passwords, "_hasher", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub shared by a module's tests, with users of every role in both departments;
    tests that change users make their own (``new_user``) so they do not depend on order."""
    with running_hub(tmp_path_factory.mktemp("web")) as running:
        populate(running)
        yield running
