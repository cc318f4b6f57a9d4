"""What the delivery worker tells systemd's watchdog (Deliverer.health)."""

from pathlib import Path
from typing import Any

import pytest

from edge.delivery import Deliverer
from edge.spool import Spool


class NoSink:
    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Any:
        raise AssertionError("nothing is published here")


def _raise_exit() -> None:
    raise SystemExit("a job that ends the worker thread")


# The worker thread is meant to die here: its traceback is expected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_healthy_while_the_worker_runs_and_not_once_it_has_died(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite")
    deliverer = Deliverer(NoSink(), spool)
    try:
        assert deliverer.health() is None  # not started: nothing to say
        deliverer.start()
        assert deliverer.health() is None
        deliverer.call_soon(_raise_exit)  # pump() survives Exceptions, not this
        assert deliverer._thread is not None
        deliverer._thread.join(30)
        assert deliverer.health() == "the spool delivery thread has stopped"
        deliverer.stop()
        assert deliverer.health() is None  # stopping on purpose is not a fault
    finally:
        spool.close()
