"""Owners and due dates, decided the same way for every language (fake rules here; the real
English and Chinese rules have their own tests, and tests/data/minutes scores them)."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from speech.minutes import extract
from speech.minutes.directory import Directory, Person
from speech.minutes.extract import NO_SPEAKER, NO_SPEAKER_ORGANIZER, extract_minutes, language_of
from speech.minutes.findings import (
    ActionFinding,
    DecisionFinding,
    Finding,
    NameFinder,
    QuestionFinding,
)
from speech.minutes.model import Sentence, Utterance

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=1)))  # a Wednesday
PEOPLE = Directory([Person("ana", "Ana Lima", ("Ana",), organizer=True), Person("wf", "王芳")])


# The fake rules: a sentence "ACTION <kind> [<name>] | <task>" is an action item, "DECIDE x"
# a decision, "ASK x" an open question; "by tomorrow" is the only date they know.
def _analyse(sentences: Sequence[Sentence], names: NameFinder) -> list[tuple[int, Finding]]:
    out: list[tuple[int, Finding]] = []
    for index, sentence in enumerate(sentences):
        text = sentence.text
        if text.startswith("ACTION "):
            head, task = text[7:].split("|")
            kind, *name = head.split()
            due = "by tomorrow" if "by tomorrow" in task else None
            task = task.replace("by tomorrow", "").strip()
            out.append((index, ActionFinding(task, kind, " ".join(name) or None, due)))  # type: ignore[arg-type]
        elif text.startswith("DECIDE "):
            out.append((index, DecisionFinding(text[7:])))
        elif text.startswith("ASK "):
            out.append((index, QuestionFinding(text[4:])))
    return out


def _due(text: str, start: datetime) -> date | None:
    return start.date() + timedelta(days=1) if "tomorrow" in text else None


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = SimpleNamespace(split_sentences=lambda text: [text], analyse=_analyse)
    monkeypatch.setattr(extract, "_rules", lambda code: rules)
    monkeypatch.setattr(extract, "_dates", lambda code: _due)


def minutes_of(*lines: tuple[str | None, str], directory: Directory | None = PEOPLE):  # type: ignore[no-untyped-def]
    utterances = [Utterance(text, line=n, speaker=who) for n, (who, text) in enumerate(lines, 1)]
    return extract_minutes(utterances, meeting_start=START, directory=directory)


def test_a_named_owner_is_matched_against_the_directory() -> None:
    [item] = minutes_of((None, "ACTION name Ana | send the slides by tomorrow")).action_items
    assert (item.owner, item.owner_user_id, item.task) == ("Ana Lima", "ana", "send the slides")
    assert item.due == date(2026, 3, 5) and item.review == []
    assert item.evidence.line == 1


def test_an_unknown_name_is_kept_as_spoken() -> None:
    [item] = minutes_of((None, "ACTION name Priya | book the room")).action_items
    assert (item.owner, item.owner_user_id, item.due) == ("Priya", None, None)


def test_i_will_is_the_speaker_when_known() -> None:
    [item] = minutes_of(("王芳", "ACTION speaker | 发给大家")).action_items
    assert (item.owner, item.owner_user_id, item.review) == ("王芳", "wf", [])
    [item] = minutes_of(("Ben", "ACTION speaker | fix it")).action_items
    assert (item.owner, item.owner_user_id) == ("Ben", None)  # a speaker the directory lacks


def test_i_will_without_a_speaker_is_the_organizer_flagged_for_review() -> None:
    [item] = minutes_of((None, "ACTION speaker | fix it")).action_items
    assert (item.owner, item.review) == ("Ana Lima", [NO_SPEAKER_ORGANIZER])
    [item] = minutes_of((None, "ACTION speaker | fix it"), directory=None).action_items
    assert (item.owner, item.review) == (None, [NO_SPEAKER])


def test_an_unnamed_request_belongs_to_whoever_accepts_it() -> None:
    [item] = minutes_of(
        ("Ana Lima", "ACTION listener | check the budget"), ("Ben", "Sure.")
    ).action_items
    assert item.owner == "Ben"


def test_a_restated_item_is_kept_once_with_its_date() -> None:
    items = minutes_of(
        (None, "ACTION name Ana | send the slides to facilities"),
        (None, "ACTION name Ana | send the slides to facilities by tomorrow"),
    ).action_items
    assert len(items) == 1 and items[0].due == date(2026, 3, 5)


def test_decisions_and_questions_in_order_once_each() -> None:
    result = minutes_of(
        (None, "DECIDE ship in May"), (None, "ASK who pays"), (None, "DECIDE ship in May")
    )
    assert [d.text for d in result.decisions] == ["ship in May"]
    assert [q.text for q in result.open_questions] == ["who pays"]
    assert result.to_json()["decisions"][0]["evidence"] == {
        "quote": "DECIDE ship in May",
        "line": 1,
        "start": None,
    }


def test_the_meeting_start_needs_an_offset() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        extract_minutes([], meeting_start=datetime(2026, 3, 4, 10, 0))


def test_language_by_script() -> None:
    assert language_of("我来负责这个 ComfyUI 的问题") == "zh"
    assert language_of("Let's ship ComfyUI 2.0 next week") == "en"
    assert language_of("Let us post it on 微信 then") == "en"  # mostly Latin letters
