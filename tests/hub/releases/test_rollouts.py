"""Releases and rollouts in the hub's store: adding release files, starting a rollout, the
loop's rounds (commands through a recording ``send``), terminals' reports through ingest's
code, download tokens. A real migrated SQLite file (and PostgreSQL when configured)."""

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contract.update_commands import UPDATE_TARGET, UpdateCommand, decode_update_command
from contract.update_data import UpdateReportData
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Device
from hub.db.release_models import RolloutDevice
from hub.releases.downloads import MAX_DOWNLOADS, claim_download
from hub.releases.reports import apply_report
from hub.releases.rollouts import (
    RolloutError,
    RolloutRequest,
    create_rollout,
    find_rollout,
    promote,
    rollout_status,
)
from hub.releases.round import run_round
from hub.releases.store import ReleaseError, add_release, artifact_path
from tests.conftest import BACKENDS, FreshDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from releases_builders import make_bundle, make_wheel

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
TERMINALS = [
    "term-hq-f1-aurora",
    "term-hq-f1-borealis",
    "term-hq-f2-cosmos",
    "term-hq-f2-east-desks",
]
URL = "https://hub.example.org"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, UpdateCommand]] = []
        self.connected = True

    def __call__(self, room_id: str, device_id: str, target: str, payload: bytes) -> bool:
        assert target == UPDATE_TARGET
        if not self.connected:
            return False
        self.sent.append((device_id, decode_update_command(payload)))
        return True

    def devices(self) -> list[str]:
        return [device for device, _ in self.sent]


@pytest.fixture(params=["sqlite"])
def session(request: pytest.FixtureRequest, fresh_database: FreshDatabase) -> Iterator[Session]:
    """SQLite; a test marked with ``BOTH`` runs on PostgreSQL too (when configured)."""
    engine = make_engine(fresh_database(request.param, "org"))
    with make_session_factory(engine)() as session:
        session.execute(update(Device).values(online=True, software_version="0.1.0"))
        yield session
    engine.dispose()


BOTH = pytest.mark.parametrize("session", BACKENDS, indirect=True)


def report(session: Session, device: str, state: str, reason: str | None = None, at=T0) -> bool:
    data = UpdateReportData(
        rollout=1, version="0.2.0", from_version="0.1.0", state=state, reason=reason
    )
    return apply_report(session, device, data, at, at)


def states(session: Session) -> dict[str, str]:
    rows = session.scalars(select(RolloutDevice).where(RolloutDevice.rollout_id == 1))
    return {row.device_id: row.state for row in rows}


@BOTH
def test_a_rollback_in_the_canary_halts_the_rollout(session: Session, tmp_path: Path) -> None:
    release, new = add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    assert new and artifact_path(tmp_path / "store", release).is_file()
    create_rollout(session, RolloutRequest("0.2.0", canary=1, batch_size=2), now=T0, actor="t")
    send = Recorder()

    run_round(session, T0, send, URL)
    assert send.devices() == [TERMINALS[0]]  # the canary only
    command = send.sent[0][1]
    assert (command.version, command.sha256, command.rollout) == ("0.2.0", release.sha256, 1)
    assert command.url.startswith(f"{URL}/releases/download/")

    assert report(session, TERMINALS[0], "accepted")
    assert report(session, TERMINALS[0], "installed")
    assert report(session, TERMINALS[0], "rolled_back", "service_exited")
    rollout = find_rollout(session, "0.2.0")
    assert rollout is not None and rollout.state == "halted"  # at once, by the report
    assert rollout.halted_reason == f"{TERMINALS[0]} rolled back (service_exited)"

    run_round(session, T0 + timedelta(minutes=1), send, URL)
    assert send.devices() == [TERMINALS[0]]  # nothing more was sent
    status = rollout_status(session, rollout)
    assert status["counts"] == {"rolled_back": 1, "pending": 3}


@BOTH
def test_healthy_canaries_then_batches_then_completed(session: Session, tmp_path: Path) -> None:
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    request = RolloutRequest("0.2.0", canary=2, batch_size=1)
    create_rollout(session, request, now=T0, actor="t")
    send = Recorder()
    run_round(session, T0, send, URL)
    assert send.devices() == TERMINALS[:2]
    report(session, TERMINALS[0], "healthy")
    run_round(session, T0, send, URL)
    assert len(send.sent) == 2  # the second canary is not healthy yet
    report(session, TERMINALS[1], "healthy")
    run_round(session, T0, send, URL)
    assert send.devices() == TERMINALS[:3]  # promoted; one at a time
    assert find_rollout(session).state == "rolling"  # type: ignore[union-attr]
    report(session, TERMINALS[2], "healthy")
    run_round(session, T0, send, URL)
    report(session, TERMINALS[3], "failed", "updates_off")  # does not take updates: skipped
    run_round(session, T0, send, URL)
    assert states(session)[TERMINALS[3]] == "skipped"
    assert find_rollout(session).state == "completed"  # type: ignore[union-attr]


def test_reports_only_move_forward(session: Session, tmp_path: Path) -> None:
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    create_rollout(session, RolloutRequest("0.2.0", canary=1), now=T0, actor="t")
    run_round(session, T0, Recorder(), URL)
    assert report(session, TERMINALS[0], "installed")
    assert not report(session, TERMINALS[0], "accepted")  # late: changes nothing
    assert report(session, TERMINALS[0], "healthy")
    assert not report(session, TERMINALS[0], "rolled_back", "health_timeout")  # final stays
    assert states(session)[TERMINALS[0]] == "healthy"


def test_promote_past_a_halt_goes_on_until_a_new_failure(session: Session, tmp_path: Path) -> None:
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    create_rollout(session, RolloutRequest("0.2.0", canary=1, batch_size=3), now=T0, actor="t")
    send = Recorder()
    run_round(session, T0, send, URL)
    report(session, TERMINALS[0], "rolled_back", "health_timeout")
    rollout = find_rollout(session)
    assert rollout is not None and rollout.state == "halted"
    assert promote(session, rollout, now=T0) == "halted"
    run_round(session, T0, send, URL)
    assert send.devices() == TERMINALS  # the other three
    report(session, TERMINALS[2], "failed", "sha256_mismatch")
    assert rollout.state == "halted"


def test_silent_terminals_time_out(session: Session, tmp_path: Path) -> None:
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    request = RolloutRequest("0.2.0", canary=1, health_timeout_s=60, reply_timeout_s=600)
    create_rollout(session, request, now=T0, actor="t")
    send = Recorder()
    run_round(session, T0, send, URL)
    run_round(session, T0 + timedelta(seconds=300), send, URL)
    assert send.devices() == [TERMINALS[0]] * 2  # never accepted: sent again
    run_round(session, T0 + timedelta(seconds=600), send, URL)
    assert states(session)[TERMINALS[0]] == "timed_out"
    assert find_rollout(session).state == "halted"  # type: ignore[union-attr]
    # A late answer is still the truth.
    assert report(session, TERMINALS[0], "healthy", at=T0 + timedelta(seconds=700))
    assert states(session)[TERMINALS[0]] == "healthy"


def test_nothing_is_marked_sent_while_the_broker_is_away(session: Session, tmp_path: Path) -> None:
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    create_rollout(session, RolloutRequest("0.2.0", canary=1), now=T0, actor="t")
    send = Recorder()
    send.connected = False
    run_round(session, T0, send, URL)
    assert states(session)[TERMINALS[0]] == "pending"


def test_download_tokens(session: Session, tmp_path: Path) -> None:
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    create_rollout(session, RolloutRequest("0.2.0", canary=1), now=T0, actor="t")
    send = Recorder()
    run_round(session, T0, send, URL)
    token = send.sent[0][1].url.rsplit("/", 1)[1]
    assert claim_download(session, "x" * len(token), T0) is None
    claimed = claim_download(session, token, T0)
    assert claimed is not None and claimed[0].version == "0.2.0" and claimed[1] == TERMINALS[0]
    for _ in range(MAX_DOWNLOADS - 1):
        assert claim_download(session, token, T0) is not None
    assert claim_download(session, token, T0) is None  # used up
    # A new command, a new token; installed: no more downloads.
    run_round(session, T0 + timedelta(minutes=5), send, URL)
    fresh = send.sent[-1][1].url.rsplit("/", 1)[1]
    assert fresh != token and claim_download(session, fresh, T0) is not None
    report(session, TERMINALS[0], "installed")
    assert claim_download(session, fresh, T0) is None
    # Expired.
    run_round(session, T0, send, URL)
    assert claim_download(session, fresh, T0 + timedelta(days=1)) is None


def test_rollouts_refuse_what_cannot_work(session: Session, tmp_path: Path) -> None:
    with pytest.raises(RolloutError, match=r"no release 9\.9\.9"):
        create_rollout(session, RolloutRequest("9.9.9"), now=T0, actor="t")
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    with pytest.raises(RolloutError, match="unknown or revoked terminals: term-nowhere"):
        create_rollout(
            session, RolloutRequest("0.2.0", devices=["term-nowhere"]), now=T0, actor="t"
        )
    create_rollout(session, RolloutRequest("0.2.0", devices=[TERMINALS[1]]), now=T0, actor="t")
    with pytest.raises(RolloutError, match="under way"):
        create_rollout(session, RolloutRequest("0.2.0"), now=T0, actor="t")


def test_terminals_already_on_the_version_are_skipped(session: Session, tmp_path: Path) -> None:
    add_release(session, make_wheel(tmp_path), tmp_path / "store", now=T0, actor="t")
    session.execute(
        update(Device).where(Device.id == TERMINALS[0]).values(software_version="0.2.0")
    )
    create_rollout(session, RolloutRequest("0.2.0", canary=1), now=T0, actor="t")
    assert states(session)[TERMINALS[0]] == "skipped"
    send = Recorder()
    run_round(session, T0, send, URL)
    assert send.devices() == [TERMINALS[1]]  # the canary is one still to update


def test_release_files_are_checked(session: Session, tmp_path: Path) -> None:
    store = tmp_path / "store"
    with pytest.raises(ReleaseError, match="not of quorum-rooms"):
        add_release(session, make_wheel(tmp_path, name="requests"), store, now=T0, actor="t")
    with pytest.raises(ReleaseError, match="speaks contract v2"):
        add_release(session, make_wheel(tmp_path, "0.3.0", contract=2), store, now=T0, actor="t")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(ReleaseError, match="a wheel"):
        add_release(session, notes, store, now=T0, actor="t")
    first, new = add_release(session, make_wheel(tmp_path), store, now=T0, actor="t")
    again, new_again = add_release(session, make_wheel(tmp_path), store, now=T0, actor="t")
    assert new and not new_again and again.sha256 == first.sha256
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(ReleaseError, match="built from another file"):
        add_release(session, make_wheel(other, filler=b"# changed"), store, now=T0, actor="t")
    made = make_bundle(tmp_path, "0.4.0", {"bin/python": ("#!/bin/sh\n", 0o755)})
    bundle, _ = add_release(session, made, store, now=T0, actor="t")
    assert (bundle.kind, bundle.contract_version) == ("bundle", 1)
