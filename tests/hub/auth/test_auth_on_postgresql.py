"""The tests of people, tokens and the audit log that lean most on the database, run again on
PostgreSQL (conditional updates, revocation by sub-select, JSON details, the outbox). Without
a configured server they skip (tests/conftest.py)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import Hub, running_hub
from test_access_and_refresh import (
    test_a_refresh_token_works_once_and_its_reuse_ends_the_whole_sign_in,
    test_changing_a_password_ends_the_other_sign_ins_but_not_this_one,
)
from test_audit import test_an_admins_actions_are_written_in_order_with_their_content
from test_offboarding import (
    client,
    receiver,
    test_every_way_in_is_a_401_on_the_very_next_request,
    test_their_webhooks_stop_even_for_notices_already_waiting,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "client",
    "receiver",
    "test_a_refresh_token_works_once_and_its_reuse_ends_the_whole_sign_in",
    "test_an_admins_actions_are_written_in_order_with_their_content",
    "test_changing_a_password_ends_the_other_sign_ins_but_not_this_one",
    "test_every_way_in_is_a_401_on_the_very_next_request",
    "test_their_webhooks_stop_even_for_notices_already_waiting",
]


@pytest.fixture
def hub(tmp_path: Path, fresh_database: Any) -> Iterator[Hub]:
    """A hub of this test's own on a fresh PostgreSQL database."""
    url = fresh_database("postgresql", "schema")
    with running_hub(tmp_path, database_url=url, webhook_allow_private=True) as running:
        assert running.state.engine.dialect.name == "postgresql"
        yield running
