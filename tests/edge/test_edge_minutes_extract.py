"""Minutes made on the terminal at the stop: after the last segment, before the stop, with
the owners from the start command's people (a stand-in extractor, and the real one when
``speech.minutes.extract`` is there)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from contract.commands import MinutesCommand, RosterPerson
from contract.minutes_data import MinutesData
from edge.minutes import ActivityCallback, SessionOptions
from speech.minutes.model import ActionItem, Evidence, Minutes, Utterance
from speech.segments import Segment
from tests.edge.test_edge_minutes import WAIT_S, Rig

SAID = ["Good morning everyone.", "Ben will send the slides by Friday.", "Thanks all."]
PEOPLE = [
    RosterPerson(user_id="ana", name="Ana Lima", organizer=True),
    RosterPerson(user_id="ben", name="Ben Okafor", aliases=["Benny"]),
]
MEETING = datetime(2026, 11, 25, 10, 0, tzinfo=timezone(timedelta(hours=1)))  # a Wednesday


class SentencePipeline:
    def __init__(self, options: SessionOptions, on_activity: ActivityCallback) -> None:
        pass

    def run(self, source: Any) -> Iterator[Segment]:
        for index, text in enumerate(SAID):
            yield Segment(2.0 * index, 2.0 * index + 1.5, text, language="en")


class StandIn:
    """Records what the terminal asked for; finds one action item."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, utterances: list[Utterance], **kwargs: Any) -> Minutes:
        self.calls.append({"utterances": utterances, **kwargs})
        ben = kwargs["directory"].resolve("Ben")
        item = ActionItem(
            "send the slides",
            ben.name,
            ben.user_id,
            date(2026, 11, 27),
            Evidence(utterances[1].text, None, utterances[1].start),
            review=["check the date"],
        )
        return Minutes(kwargs["meeting_start"], "en", action_items=[item])


def rig_with(tmp_path: Path, extract: Any) -> Rig:
    rig = Rig(tmp_path, extract=extract)
    rig.minutes._open_source = lambda: _Silent()
    rig.minutes._make_pipeline = SentencePipeline
    return rig


class _Silent:
    def blocks(self) -> Iterator[Any]:
        import numpy as np

        yield np.zeros(160, dtype=np.float32)

    def close(self) -> None:
        pass


def test_minutes_follow_the_last_segment_with_owners_from_the_people(tmp_path: Path) -> None:
    extract = StandIn()
    rig = rig_with(tmp_path, extract)
    rig.minutes.handle(
        MinutesCommand(action="start", people=PEOPLE, meeting_start=MEETING, language="en")
    )
    assert rig.minutes.wait_idle(WAIT_S)

    kinds = [m.envelope.type for m in rig.messages() if m.envelope.type != "speech_activity"]
    assert kinds == ["minutes_session", *["transcript"] * 3, "minutes", "minutes_session"]
    (call,) = extract.calls
    assert [(u.text, u.start, u.speaker) for u in call["utterances"]] == [
        (text, 2.0 * i, None) for i, text in enumerate(SAID)
    ]
    assert call["meeting_start"] == MEETING and call["language"] == "en"
    assert call["directory"].organizer.user_id == "ana"
    (message,) = rig.messages(MinutesData)
    minutes: MinutesData = message.data  # type: ignore[assignment]
    assert minutes.session == rig.sessions()[0].session
    (item,) = minutes.action_items
    assert (item.owner, item.owner_user_id, item.due) == ("Ben Okafor", "ben", date(2026, 11, 27))
    assert item.evidence.start == 2.0 and item.review == ["check the date"]
    assert message.topic.kind == "minutes"
    assert rig.sessions()[-1].detail is None


def test_without_a_meeting_start_due_dates_count_from_the_session(tmp_path: Path) -> None:
    extract = StandIn()
    rig = rig_with(tmp_path, extract)
    rig.minutes.handle(MinutesCommand(action="start", people=PEOPLE))
    assert rig.minutes.wait_idle(WAIT_S)
    assert extract.calls[0]["meeting_start"] == rig.sessions()[0].started_at
    assert extract.calls[0]["language"] == "en"  # what the transcriber heard


def test_a_failing_extractor_still_stops_the_session_and_says_why(tmp_path: Path) -> None:
    def broken(utterances: list[Utterance], **kwargs: Any) -> Minutes:
        raise RuntimeError("rules crashed")

    rig = rig_with(tmp_path, broken)
    rig.minutes.start(SessionOptions(reason="button"))
    assert rig.minutes.wait_idle(WAIT_S)
    assert rig.messages(MinutesData) == []
    stopped = rig.sessions()[-1]
    assert stopped.state == "stopped" and stopped.reason == "audio_ended"
    assert "rules crashed" in (stopped.detail or "")


def test_a_failed_start_makes_no_minutes(tmp_path: Path) -> None:
    extract = StandIn()
    rig = rig_with(tmp_path, extract)

    def broken() -> Any:
        raise OSError("no microphone")

    rig.minutes._open_source = broken
    assert not rig.minutes.start(SessionOptions(reason="hub_command"))
    assert extract.calls == [] and rig.messages(MinutesData) == []


def test_the_real_extractor_finds_bens_action_item(tmp_path: Path) -> None:
    pytest.importorskip("speech.minutes.extract", reason="speech.minutes.extract not there yet")
    from edge.minutes_extract import extract_minutes

    rig = rig_with(tmp_path, extract_minutes)
    rig.minutes.handle(MinutesCommand(action="start", people=PEOPLE, meeting_start=MEETING))
    assert rig.minutes.wait_idle(WAIT_S)
    assert rig.sessions()[-1].detail is None, rig.sessions()[-1].detail
    (message,) = rig.messages(MinutesData)
    items = message.data.action_items  # type: ignore[attr-defined]
    assert any(i.owner_user_id == "ben" and "slides" in i.task for i in items), items
    assert message.data.meeting_start == MEETING.astimezone(UTC)  # type: ignore[attr-defined]
