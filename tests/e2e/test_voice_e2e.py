"""A voice command given while the hub is down: the terminal keeps it in its spool, the hub
carries it out when it is back (at the time it was said), and the terminal shows the late
reply without speaking it.

Everything is real and runs as separate processes: Mosquitto, ``python -m hub serve`` on a
SQLite file, ``python -m edge run ... --speech-from room.wav --speech-realtime`` with speech
on (tiny.en, Silero VAD, the command listener, the room grammar), a Piper recording.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devtools.broker import RunningBroker
from devtools.processes import start_hub, start_terminal
from tests.e2e.test_minutes_e2e import call, wait_for
from tests.edge.test_edge_voice_process import speech_config

ROOM = "hq-f1-aurora"
pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def room_recording(path: Path) -> Path:
    from devtools import tts

    try:
        import soundfile

        samples = tts.synthesize("Hey Quorum, extend the meeting by fifteen minutes.")
    except (tts.TTSUnavailable, ImportError) as exc:
        pytest.skip(str(exc))
    import numpy as np

    silence = np.zeros(3 * 16_000, dtype=np.float32)
    soundfile.write(path, np.concatenate([silence, samples, silence]), 16_000)
    return path


def test_a_command_said_while_the_hub_is_down_is_done_when_it_is_back(
    broker: RunningBroker, tmp_path: Path
) -> None:
    audio = room_recording(tmp_path / "room.wav")
    workdir = tmp_path / "hub"
    hub = start_hub(broker, workdir)
    admin = hub.admin_token
    call(hub, "POST", "/users", admin, {"id": "ana", "display_name": "Ana Lima", "role": "member"})
    token = call(hub, "POST", "/users/ana/tokens", admin, {"name": "e2e"})["token"]
    now = datetime.now(UTC)
    ends_at = now + timedelta(minutes=25)
    booking = call(
        hub,
        "POST",
        "/bookings",
        token,
        {
            "space_kind": "room",
            "space_id": ROOM,
            "title": "Planning",
            "starts_at": (now - timedelta(minutes=5)).isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    hub.child.kill()  # the hub is away when the command is given
    terminal_dir = tmp_path / "terminal"
    terminal = start_terminal(
        speech_config(tmp_path),
        broker,
        terminal_dir,
        scenario="meeting_room_day",
        extra=["--speech-from", str(audio), "--speech-realtime"],
    )
    log = terminal_dir / f"terminal-{ROOM}.log"
    try:
        wait_for(
            lambda: log.is_file() and "voice: extend_meeting (wake" in log.read_text(),
            "the terminal to hear the command",
        )
        back = datetime.now(UTC)
        hub = start_hub(broker, workdir, admin_token=admin)

        def done() -> dict | None:
            commands = call(hub, "GET", f"/rooms/{ROOM}/voice-commands", admin)
            finished = [c for c in commands if c["outcome"] != "pending"]
            return finished[0] if finished else None

        command = wait_for(done, "the hub to carry the command out")
        assert (command["intent"], command["outcome"]) == ("extend_meeting", "done"), command
        assert command["slots"] == {"duration": 15}
        said_at = datetime.fromisoformat(command["said_at"])
        assert said_at < back  # carried out at the time it was said, not on arrival
        extended = call(hub, "GET", f"/bookings/{booking['id']}", token)
        assert datetime.fromisoformat(extended["ends_at"]) == ends_at + timedelta(minutes=15)
        wait_for(
            lambda: "voice: reply to extend_meeting" in log.read_text(), "the reply on the terminal"
        )
        line = next(x for x in log.read_text().splitlines() if "reply to extend_meeting" in x)
        assert "done" in line
    finally:
        terminal.terminate()
        hub.child.terminate()
