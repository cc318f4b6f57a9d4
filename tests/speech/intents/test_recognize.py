"""``python -m speech intents recognize``: spoken commands through the real recognizer."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devtools import tts

GRAMMARS = Path(__file__).resolve().parents[3] / "speech" / "intents" / "grammars"
SHARED_AUDIO = Path(__file__).resolve().parents[4] / "shared" / "audio"
COMMANDS = {
    "Extend the meeting by fifteen minutes.": ("extend_meeting", {"duration": 15}),
    "Release the room.": ("release_room", {}),
    "Start minutes.": ("start_minutes", {}),
    "Off the record.": ("off_the_record", {}),
    "What's next in this room?": ("whats_next", {}),
    "Let's review the budget numbers.": (None, {}),  # not a command
}


def recognize(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speech", "intents", "recognize", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_spoken_room_commands(tmp_path: Path) -> None:
    try:
        files = [
            tts.speak_to_file(text, tmp_path / f"{n}.wav", lead_s=0.3, tail_s=0.8)
            for n, text in enumerate(COMMANDS)
        ]
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    done = recognize("--grammar", GRAMMARS / "room_en.yaml", "--json", *files)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["file"] for r in results] == [str(f) for f in files]  # input order
    assert [(r["intent"], r["slots"]) for r in results] == list(COMMANDS.values())


def test_a_bad_file_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    try:
        good = tts.speak_to_file("Release the room.", tmp_path / "good.wav")
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    done = recognize("--grammar", GRAMMARS / "room_en.yaml", "--json", bad, good)
    assert done.returncode == 1
    first, second = json.loads(done.stdout)
    assert first["intent"] is None and "not audio" in first["error"]
    assert second["intent"] == "release_room"


def test_the_shared_light_commands(tmp_path: Path) -> None:
    if not SHARED_AUDIO.is_dir():
        pytest.skip(f"the shared recordings are not here ({SHARED_AUDIO}); a clone has none")
    lamp, light = "turn_on_the_living_room_lamp.wav", "living_room_light_en.wav"
    english = recognize(
        "--grammar", GRAMMARS / "home_lights_en.yaml", "--json",
        SHARED_AUDIO / lamp, SHARED_AUDIO / light,
    )  # fmt: skip
    chinese = recognize(
        "--grammar", GRAMMARS / "home_lights_zh.yaml", "--language", "zh", "--json",
        SHARED_AUDIO / "living_room_light_zh.wav",
    )  # fmt: skip
    for done in (english, chinese):
        assert done.returncode == 0, done.stderr
        for result in json.loads(done.stdout):
            assert (result["intent"], result["slots"]) == ("turn_on", {"room_name": "living_room"})


def test_a_command_said_in_two_breaths_is_read_whole() -> None:
    """A pause longer than the endpointer's inside a command: the file holds two utterances."""
    from speech.intents.listener import HeardCommand
    from speech.intents.loading import load_grammar
    from speech.intents.matcher import Matcher
    from speech.intents.recognize import CommandRecognizer

    matcher = Matcher(load_grammar(GRAMMARS / "room_en.yaml", "en"))

    def heard(text: str) -> HeardCommand:
        return HeardCommand(0.0, 1.0, text, text, matcher.match(text), "ptt", "en")

    recognizer = CommandRecognizer(matcher, listener=None)  # type: ignore[arg-type]
    text, result = recognizer.decide([heard("Extend the meeting"), heard("by fifteen minutes")])
    assert text == "Extend the meeting by fifteen minutes"
    assert (result.intent, result.slots) == ("extend_meeting", {"duration": 15})
    _, first = recognizer.decide([heard("Release the room."), heard("Thanks, everyone.")])
    assert first.intent == "release_room"  # the whole is no command; its first part is
    assert recognizer.decide([])[1].intent is None
