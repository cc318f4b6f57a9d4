"""One person reading silently for 40 minutes behind a closed door (issue 8): played on a real
terminal process through its fusion engine, carried over Mosquitto to a real hub, whose
release decision keeps the booking and whose audit trail names the signals that kept it.

The session (edge/fusion/sessions/library/reading_alone.yaml) is played at 600x so that it
ends about now; the booking covers the session's own booking window, in the past by the time
the hub judges it (all but its last minute), which the hub does from event times like any late
evidence.
"""

import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from devtools.broker import RunningBroker
from devtools.processes import ROOT, start_hub
from edge.fusion.sessions import load_session
from edge.fusion.sessions.play import terminal_config
from tests.e2e.test_minutes_e2e import call as _call
from tests.e2e.test_minutes_e2e import wait_for


def call(hub, method, path, token, body=None):  # type: ignore[no-untyped-def]
    import urllib.error

    try:
        return _call(hub, method, path, token, body)
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: {exc.code} {exc.read().decode()}") from None


pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SESSION = "reading_alone"


def session_configs(directory: Path) -> tuple[Path, str, int]:
    """The session's room as the hub's configuration directory; its room id and length (s)."""
    loaded = load_session(SESSION)
    config = terminal_config(loaded.session)
    directory.mkdir(parents=True)
    yaml = YAML(typ="safe", pure=True)
    buffer = io.StringIO()
    yaml.dump(config.model_dump(mode="json", exclude_none=True), buffer)
    (directory / f"{config.terminal.id}.yaml").write_text(buffer.getvalue())
    return directory, config.room.id, loaded.truth.duration_s


def test_one_person_reading_silently_keeps_the_booking(
    broker: RunningBroker, tmp_path: Path
) -> None:
    configs, room, _ = session_configs(tmp_path / "configs")
    hub = start_hub(broker, tmp_path / "hub", configs_dir=configs)
    admin = hub.admin_token
    # The session's booking is 2 to 47 minutes in, and a booking must end in the future: the
    # session starts 46 minutes ago, so all that matters (the reader's 40 minutes) is past
    # and played at 600x, and the booking ends in a minute.
    start = (datetime.now(UTC) - timedelta(minutes=46)).replace(microsecond=0)
    booking = call(
        hub,
        "POST",
        "/bookings",
        admin,
        {
            "space_kind": "room",
            "space_id": room,
            "title": "Reading",
            "starts_at": (start + timedelta(minutes=2)).isoformat(),
            "ends_at": (start + timedelta(minutes=47)).isoformat(),
        },
    )
    log = (tmp_path / "terminal.log").open("wb")
    terminal = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edge",
            "run",
            "--session",
            SESSION,
            "--speed",
            "600",
            "--start",
            start.isoformat(),
            "--broker-host",
            broker.host,
            "--broker-port",
            str(broker.port),
            "--spool",
            str(tmp_path / "spool.sqlite"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def judged() -> list[dict] | None:
            trail = call(hub, "GET", f"/bookings/{booking['id']}/decisions", admin)
            kinds = [d["kind"] for d in trail]
            return trail if "checked_in" in kinds and "kept" in kinds else None

        trail = wait_for(judged, "the hub to check the booking in and keep it", timeout=90)
        occurrence = call(hub, "GET", f"/bookings/{booking['id']}", admin)
    finally:
        terminal.terminate()
        terminal.wait(20)
        hub.child.terminate()
    kinds = [d["kind"] for d in trail]
    assert "released" not in kinds and not any("abandon" in d["explanation"] for d in trail)
    kept = [d for d in trail if d["kind"] == "kept"]
    # The reader sits still: no motion for 15 minutes, yet the room is occupied, and the
    # decision says which signals held it (the sealed door and the radar that sees breathing).
    assert all("no motion since" in d["explanation"] for d in kept), kept
    named = {s for d in kept for e in d["evidence"] for s in e.get("signals", [])}
    assert {"door_sealed", "presence"} <= named, kept
    assert "door_sealed" in kept[0]["explanation"], kept
    released = [o for o in occurrence.get("occurrences", []) if o.get("released_at")]
    assert released == [], occurrence
