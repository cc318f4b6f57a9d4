"""Voice commands in a real terminal process with a real Mosquitto and no hub: ``python -m
edge run --simulate ... --speech-from FILE --speech-realtime`` with speech on in its config
(tiny.en, Silero VAD, the command listener and the room grammar), on a Piper-made recording
of a room: "Hey Quorum, release the room." goes out as an ``intent`` and the test answers it
as the hub would; "Hey Quorum, start minutes." starts a session at once, which hears what
is said after it."""

from pathlib import Path

import pytest

from contract.commands import VoiceReply
from contract.intent_data import IntentData
from contract.messages import MinutesSessionData, StatusData, TranscriptData
from devtools.broker import RunningBroker
from tests.edge.speech_terminal import ROOM, ROOT, SpeechTerminal
from tests.edge.test_edge_minutes_integration import wait_for

SAID = [
    "Hey Quorum, release the room.",
    "Hey Quorum, start minutes.",
    "We will meet again on Monday.",
]


def room_recording(path: Path) -> Path:
    from devtools import tts

    try:
        import soundfile

        samples, _ = tts.speak_script(SAID, [2.0, 2.0])
    except (tts.TTSUnavailable, ImportError) as exc:
        pytest.skip(str(exc))
    import numpy as np

    silence = np.zeros(16_000, dtype=np.float32)
    soundfile.write(path, np.concatenate([silence, samples, silence, silence, silence]), 16_000)
    return path


def speech_config(tmp_path: Path) -> Path:
    """The Aurora terminal with speech (and so voice commands) on."""
    text = (ROOT / "firmware_configs" / f"{ROOM}.yaml").read_text(encoding="utf-8")
    path = tmp_path / f"{ROOM}.yaml"
    path.write_text(text + "speech:\n  enabled: true\n  announce: false\n", encoding="utf-8")
    return path


def test_voice_commands_are_published_and_room_commands_need_no_hub(
    broker: RunningBroker, topic_prefix: str, tmp_path: Path
) -> None:
    audio = room_recording(tmp_path / "room.wav")
    terminal = SpeechTerminal(
        broker,
        topic_prefix,
        tmp_path,
        audio,
        extra=("--speech-realtime",),
        config=speech_config(tmp_path),
    )
    try:
        wait_for(lambda: terminal.of(StatusData), "the terminal online")
        (release,) = wait_for(
            lambda: [i for i in terminal.of(IntentData) if i.intent == "release_room"],
            "the release_room intent",
        )
        assert (release.trigger, release.language, release.session) == ("wake", "en", None)
        terminal.reply(
            VoiceReply(utterance=release.utterance, ok=True, intent="release_room", say="Done.")
        )
        started = wait_for(
            lambda: [s for s in terminal.of(MinutesSessionData) if s.state == "started"],
            "the session the voice command started",
        )
        assert started[0].reason == "voice"
        wait_for(
            lambda: [s for s in terminal.of(MinutesSessionData) if s.state == "stopped"],
            "the session's end with the audio",
        )
        intents = [i.intent for i in terminal.of(IntentData)]
        assert intents == ["release_room", "start_minutes"]  # the minutes' own speech: none
        text = " ".join(t.text for t in terminal.of(TranscriptData) if t.final).lower()
        assert "monday" in text and "release" not in text  # it heard what came after
        wait_for(lambda: "voice: reply to release_room" in terminal.log.read_text(), "the reply")
    finally:
        terminal.stop()
