"""``python -m speech intents parse`` through a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]
GRAMMARS = ROOT / "speech" / "intents" / "grammars"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speech", "intents", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_parse_json() -> None:
    done = run(
        "parse",
        "--grammar",
        str(GRAMMARS / "room_en.yaml"),
        "--json",
        "--roster",
        "Ana Lima",
        "Action item for Ana: send the slides by Friday",
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document.pop("confidence") > 0.9  # free text costs a little: named words win
    assert document == {
        "text": "Action item for Ana: send the slides by Friday",
        "intent": "add_action_item",
        "slots": {"person": "Ana Lima", "task": "send the slides by Friday"},
    }


def test_parse_chinese_and_rejection() -> None:
    done = run("parse", "--grammar", str(GRAMMARS / "room_zh.yaml"), "--json", "会议延长十五分钟")
    assert json.loads(done.stdout)["slots"] == {"duration": 15}
    done = run("parse", "--grammar", str(GRAMMARS / "room_en.yaml"), "--json", "nice weather")
    document = json.loads(done.stdout)
    assert done.returncode == 0
    assert (document["intent"], document["slots"]) == (None, {})
    assert 0.0 <= document["confidence"] <= 1.0


def test_parse_plain_text() -> None:
    done = run("parse", "--grammar", str(GRAMMARS / "room_en.yaml"), "stat minutes")
    assert done.returncode == 0 and done.stdout.startswith("start_minutes")


def test_bad_grammar_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("language: en\nintents:\n  a:\n    templates: ['(unclosed']\n")
    done = run("parse", "--grammar", str(bad), "hello")
    assert done.returncode == 1
    assert "bad.yaml:4" in done.stderr and "never closed" in done.stderr
    assert run("parse", "--grammar", str(tmp_path / "none.yaml"), "hi").returncode == 1


def test_usage_errors_exit_2() -> None:
    assert run("parse", "hello").returncode == 2
    assert run("parse", "--grammar").returncode == 2
