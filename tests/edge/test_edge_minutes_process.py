"""The terminal process with a real Mosquitto: ``python -m edge run --simulate ...
--speech-from FILE --speech-realtime`` (a Piper-made WAV), started, paused, resumed and
stopped by ``cmd/minutes``; it publishes ``minutes`` with Ben's action item."""

from pathlib import Path

import pytest

from contract.commands import RosterPerson
from contract.messages import MinutesSessionData, StatusData, TranscriptData
from contract.minutes_data import MinutesData
from devtools.broker import RunningBroker
from tests.edge.speech_terminal import SpeechTerminal
from tests.edge.test_edge_minutes_integration import wait_for

SAID = "Good morning everyone. Ben will send the slides by Friday."
WAIT_S = 60.0


def test_a_paused_and_resumed_session_ends_with_minutes(
    broker: RunningBroker, topic_prefix: str, tmp_path: Path
) -> None:
    try:
        import speech.minutes.extract  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"speech.minutes.extract is not there yet: {exc}")
    from devtools import tts

    try:
        # Silence first: the pause and resume fall in it, and Ben's sentence is kept.
        spoken = tts.speak_to_file(SAID, tmp_path / "meeting.wav", lead_s=4.0, tail_s=6.0)
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    terminal = SpeechTerminal(broker, topic_prefix, tmp_path, spoken, extra=("--speech-realtime",))

    def states() -> list[str]:
        return [s.state for s in terminal.of(MinutesSessionData)]

    try:
        wait_for(lambda: terminal.of(StatusData), "the terminal online")
        people = [RosterPerson(user_id="ben", name="Ben Okafor")]

        def started() -> bool:
            terminal.send("start", people=people, language="en")  # it may still subscribe
            return "started" in states()

        wait_for(started, "the session start")
        terminal.send("pause")
        wait_for(lambda: "paused" in states(), "the pause")
        terminal.send("resume")
        wait_for(lambda: "resumed" in states(), "the resume")
        wait_for(
            lambda: any("slides" in t.text.lower() for t in terminal.of(TranscriptData)),
            "Ben's sentence",
        )
        terminal.send("stop")
        wait_for(lambda: "stopped" in states(), "the stop")
        (minutes,) = wait_for(lambda: terminal.of(MinutesData), "the minutes")
    finally:
        terminal.stop()
    assert states()[:3] == ["started", "paused", "resumed"] and states()[-1] == "stopped"
    assert minutes.action_items, minutes
    # tiny.en may hear "Ben will" as "then we'll": the task is what must come through.
    assert any("slides" in i.task for i in minutes.action_items), minutes
    assert all(t.start_s >= 4.0 - 0.5 for t in terminal.of(TranscriptData) if t.final)
    kinds = [kind for kind in terminal.types() if kind in ("minutes", "transcript")]
    assert kinds[-1] == "minutes"
