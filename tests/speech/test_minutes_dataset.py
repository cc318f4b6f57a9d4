"""The minutes evaluation set (tests/data/minutes) is well formed, and the scorer that
bench/minutes.py uses counts what its docstring says."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from devtools.minutes_score import (
    DirectoryEntry,
    Expected,
    ExpectedAction,
    Meeting,
    load_meeting,
    meeting_files,
    owners_match,
    score,
    score_folder,
    similarity,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "minutes"
FILES = meeting_files(DATA / "dev") + meeting_files(DATA / "test")
SPEAKER = re.compile(r"^([^:：]{1,40})[:：]")


@pytest.fixture(scope="module", params=FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def meeting(request: pytest.FixtureRequest) -> Meeting:
    return load_meeting(request.param)


def test_the_split_has_the_required_counts() -> None:
    for half in ("dev", "test"):
        languages = [load_meeting(p).language for p in meeting_files(DATA / half)]
        assert languages.count("en") >= 9, half
        assert languages.count("zh") >= 7, half
    assert len(FILES) >= 32
    assert "2026-11-27" in (DATA / "README.md").read_text(encoding="utf-8")


def test_meeting_has_the_required_fields(meeting: Meeting) -> None:
    assert meeting.title.strip()
    assert meeting.language in ("en", "zh")
    assert meeting.meeting_start.utcoffset() is not None
    lines = [line for line in meeting.transcript.splitlines() if line.strip()]
    assert 12 <= len(lines) <= 40
    assert meeting.expected.action_items, "every meeting has something to do"
    ids = [p.id for p in meeting.directory]
    assert len(ids) == len(set(ids))


def test_transcript_language_matches(meeting: Meeting) -> None:
    cjk = sum("\u4e00" <= c <= "\u9fff" for c in meeting.transcript)
    if meeting.language == "zh":
        assert cjk > 100
    else:
        assert cjk == 0


def test_due_dates_are_plausible(meeting: Meeting) -> None:
    # Dates are resolved from the meeting's local day: never before it, never far after.
    day = meeting.meeting_start.date()
    for item in meeting.expected.action_items:
        if item.due is not None:
            assert isinstance(item.due, date)
            assert day <= item.due <= day + timedelta(days=62), item


def test_expected_owners_are_named_in_the_meeting(meeting: Meeting) -> None:
    speakers = {
        m.group(1).strip()
        for line in meeting.transcript.splitlines()
        if (m := SPEAKER.match(line.strip()))
    }
    for item in meeting.expected.action_items:
        if item.owner is None:
            continue
        assert (
            item.owner in meeting.transcript
            or item.owner in speakers
            or item.owner == meeting.organizer
        ), item


def test_meetings_without_prefixes_have_an_organizer(meeting: Meeting) -> None:
    # Unattributed "I'll ..." belongs to the organizer: such meetings must name one.
    prefixed = any(SPEAKER.match(line.strip()) for line in meeting.transcript.splitlines())
    if not prefixed:
        assert meeting.organizer


def test_the_set_covers_the_edge_cases() -> None:
    meetings = [load_meeting(p) for p in FILES]
    weekdays = {m.meeting_start.weekday() for m in meetings}
    assert {4, 6} <= weekdays  # a Friday and a Sunday
    assert any(m.meeting_start.month == 12 for m in meetings)
    assert any(
        a.due and a.due.year > m.meeting_start.year
        for m in meetings
        for a in m.expected.action_items
    )
    assert any(not m.directory for m in meetings)
    assert any(a.due is None for m in meetings for a in m.expected.action_items)


# --- scorer -------------------------------------------------------------------------------

PEOPLE = [
    DirectoryEntry("ana", "Ana Lima", ("Ana",)),
    DirectoryEntry("wangfang", "王芳", ("小王", "Wang Fang")),
]
EXPECTED = Expected(
    [
        ExpectedAction("Ben", "send the slides to the client", date(2026, 3, 6)),
        ExpectedAction("小王", "把测试报告发给大家", None),
    ],
    ["move the launch to May"],
    ["whether the pilot room is free"],
)
PERFECT = {
    "action_items": [
        {"owner": "Ben", "task": "send the slides to the client", "due": "2026-03-06"},
        {"owner": "王芳", "owner_user_id": "wangfang", "task": "把测试报告发给大家", "due": None},
    ],
    "decisions": [{"text": "we move the launch to May"}],
    "open_questions": [{"text": "is the pilot room free?"}],
}


def test_perfect_minutes_score_one() -> None:
    counts = score(EXPECTED, PERFECT, directory=PEOPLE)
    assert counts.action_items.f1 == 1.0
    assert counts.decisions.f1 == 1.0
    assert counts.open_questions.f1 == 1.0
    assert not counts.mismatches


def _one_action(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "owner": "Ben",
        "task": "send the slides to the client",
        "due": "2026-03-06",
    }
    item.update(changes)
    return {"action_items": [item], "decisions": [], "open_questions": []}


def test_owner_mismatch_is_not_a_match() -> None:
    expected = Expected([EXPECTED.action_items[0]])
    counts = score(expected, _one_action(owner="Priya"), directory=PEOPLE)
    assert (counts.action_items.tp, counts.action_items.fp, counts.action_items.fn) == (0, 1, 1)
    assert score(expected, _one_action(owner=None), directory=PEOPLE).action_items.tp == 0


def test_date_mismatch_is_not_a_match() -> None:
    expected = Expected([EXPECTED.action_items[0]])
    assert score(expected, _one_action(due="2026-03-09")).action_items.tp == 0
    assert score(expected, _one_action(due=None)).action_items.tp == 0
    no_date = Expected([ExpectedAction("Ben", "send the slides", None)])
    assert score(no_date, _one_action(due="2026-03-06")).action_items.tp == 0
    assert score(no_date, _one_action(due=None)).action_items.tp == 1


def test_task_below_threshold_is_not_a_match() -> None:
    expected = Expected([EXPECTED.action_items[0]])
    assert score(expected, _one_action(task="book the meeting room")).action_items.tp == 0
    # Date words and fillers do not count: the due date is scored on its own.
    assert score(expected, _one_action(task="send the slides by Friday")).action_items.tp == 1


def test_owners_resolve_through_the_directory() -> None:
    assert owners_match("Ana", "Ana Lima", None, PEOPLE)
    assert owners_match("ana lima ", "ANA LIMA")
    assert owners_match("小王", "王芳", None, PEOPLE)
    assert owners_match("Wang Fang", None, "wangfang", PEOPLE)
    assert not owners_match("小王", "Ana Lima", "ana", PEOPLE)
    assert owners_match(None, None)
    assert not owners_match(None, "Ana")


def test_organizer_counts_as_a_person_without_a_directory() -> None:
    meeting = Meeting(
        path=Path("x.yaml"),
        title="t",
        language="en",
        meeting_start=load_meeting(FILES[0]).meeting_start,
        organizer="Ruth Okafor",
        directory=[],
        transcript="",
        expected=Expected([ExpectedAction("Ruth", "send the agreement", None)]),
    )
    predicted = {"action_items": [{"owner": "Ruth Okafor", "task": "send the agreement"}]}
    assert score(meeting, predicted).action_items.tp == 1


def test_matching_is_one_to_one() -> None:
    expected = Expected([EXPECTED.action_items[0]])
    item = _one_action()["action_items"]
    assert isinstance(item, list)
    counts = score(expected, {"action_items": [*item, *item]})
    assert (counts.action_items.tp, counts.action_items.fp) == (1, 1)


def test_english_similarity() -> None:
    assert similarity("send the slides", "sending slides") == 1.0
    assert similarity("send the slides", "") == 0.0
    assert similarity("update the roadmap page", "update the roadmap") >= 0.5
    assert similarity("update the roadmap page", "book a room") == 0.0


def test_chinese_similarity() -> None:
    assert similarity("把测试报告发给大家", "测试报告发给大家") == 1.0  # 把 is ignored
    assert similarity("测试报告发给大家", "测试报告我来负责，本周五之前发给大家") >= 0.5
    assert similarity("把新版本部署到测试环境", "订会议室") == 0.0
    # Latin product names inside Chinese count as words.
    assert similarity("更新 Figma 的设计稿", "Figma 设计稿更新") > similarity(
        "更新 Figma 的设计稿", "设计稿更新"
    )


def test_score_folder_runs_a_predictor() -> None:
    def echo(meeting: Meeting) -> dict[str, object]:
        return {
            "action_items": [
                {"owner": a.owner, "task": a.task, "due": a.due.isoformat() if a.due else None}
                for a in meeting.expected.action_items
            ],
            "decisions": [{"text": d} for d in meeting.expected.decisions],
            "open_questions": [],
        }

    result = score_folder(DATA / "dev", echo)
    assert len(result.per_meeting) >= 16
    assert result.total.action_items.f1 == 1.0
    assert result.total.decisions.f1 == 1.0
    assert result.total.open_questions.recall == 0.0
    assert result.by_language("zh").action_items.tp > 0
