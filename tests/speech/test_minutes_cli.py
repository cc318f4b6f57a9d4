"""``python -m speech minutes``, run as a user runs it (a subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devtools import tts

TRANSCRIPT = """# Launch review
Ana: Good morning. Let's go through the launch.
Ben: I'll send the slides to facilities by Friday.
Ana: We decided not to ship the new layout this month.
Priya: I already booked the boardroom last week.
Ana: 王芳，你下周一之前把预算表发给大家。
王芳：好的，没问题。
"""
DIRECTORY = (
    "- {id: ana, name: Ana Lima, aliases: [Ana], organizer: true}\n"
    "- {id: wf, name: 王芳, aliases: [小王]}\n"
)
START = "2026-03-04T10:00:00+01:00"  # a Wednesday


def minutes(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speech", "minutes", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def meeting(tmp_path: Path) -> Path:
    (tmp_path / "people.yaml").write_text(DIRECTORY, encoding="utf-8")
    path = tmp_path / "launch.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


def test_json_is_the_documented_object(meeting: Path) -> None:
    done = minutes(
        meeting, "--meeting-start", START, "--json", "--directory", meeting.parent / "people.yaml"
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {
        "meeting_start",
        "language",
        "action_items",
        "decisions",
        "open_questions",
    }
    assert result["meeting_start"] == START
    items = {item["owner"]: item for item in result["action_items"]}
    assert set(items) == {"Ben", "王芳"}  # not Priya's past-tense report
    assert items["Ben"]["due"] == "2026-03-06" and "slides" in items["Ben"]["task"]
    assert items["Ben"]["evidence"] == {
        "quote": "I'll send the slides to facilities by Friday.",
        "line": 3,
        "start": None,
    }
    assert (items["王芳"]["owner_user_id"], items["王芳"]["due"]) == ("wf", "2026-03-09")
    assert set(items["Ben"]) == {"owner", "owner_user_id", "task", "due", "evidence", "review"}
    assert [d["evidence"]["line"] for d in result["decisions"]] == [4]


def test_markdown_is_the_default(meeting: Path) -> None:
    done = minutes(meeting, "--meeting-start", START, "--title", "Launch review")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Minutes: Launch review\n")
    assert "**Ben**: " in done.stdout and "(2026-03-06)" in done.stdout


def test_a_meeting_start_without_offset_is_wrong_usage(meeting: Path) -> None:
    done = minutes(meeting, "--meeting-start", "2026-03-04T10:00:00")
    assert done.returncode == 2 and "has no UTC" in done.stderr


def test_bad_input_exits_1(meeting: Path, tmp_path: Path) -> None:
    missing = minutes(tmp_path / "nope.txt", "--meeting-start", START)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    (tmp_path / "bad.yaml").write_text("name: [unclosed", encoding="utf-8")
    bad = minutes(meeting, "--meeting-start", START, "--directory", tmp_path / "bad.yaml")
    assert bad.returncode == 1 and "cannot read the directory" in bad.stderr
    broken = tmp_path / "meeting.wav"
    broken.write_bytes(b"RIFF....not really")
    audio = minutes(broken, "--meeting-start", START, "--language", "en")
    assert audio.returncode == 1 and audio.stdout == ""


def test_audio_is_transcribed_first(tmp_path: Path) -> None:
    try:
        path = tts.speak_to_file(
            "Okay, so Ben will send the slides to facilities by Friday.", tmp_path / "m.wav"
        )
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    people = tmp_path / "people.yaml"
    people.write_text("- {id: ben, name: Ben Okafor, aliases: [Ben]}\n", encoding="utf-8")
    done = minutes(
        path, "--meeting-start", START, "--language", "en", "--json", "--directory", people
    )
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)["action_items"]  # the directory's names prompt Whisper
    assert (item["owner_user_id"], item["due"]) == ("ben", "2026-03-06")
    assert item["evidence"]["line"] is None and item["evidence"]["start"] is not None
