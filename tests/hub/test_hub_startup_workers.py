"""Several hub workers starting at once against one empty PostgreSQL database.

Each runs the start-up steps (migrate, import the configuration files, create the
bootstrap admin); an advisory lock makes them take turns, so none fails on a table or
a row another one is creating at the same moment.
"""

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from common.clock import FakeClock
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Room, User
from hub.settings import Settings
from hub.startup import prepare

pytestmark = pytest.mark.postgres

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[2] / "firmware_configs"
WORKERS = 4


def test_workers_starting_together_take_turns(fresh_database: Any) -> None:
    url = fresh_database("postgresql", "empty")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        configs_dir=FIRMWARE_CONFIGS,
        bootstrap_token="startup-test-token-0123456789",
    )
    engines = [make_engine(url) for _ in range(WORKERS)]
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def start(index: int) -> None:
        barrier.wait()
        try:
            prepare(settings, make_session_factory(engines[index]), FakeClock())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    try:
        assert not errors, errors
        with make_session_factory(engines[0])() as session:
            assert session.scalar(select(func.count()).select_from(User)) == 1
            assert session.scalar(select(func.count()).select_from(Room)) == 4
    finally:
        for engine in engines:
            engine.dispose()
