"""Minutes through the real app: commands to terminals, sessions, transcripts, and who may
read them. Facilities staff never see meeting content.

Times: the hub's clock says Tuesday 2026-01-06 12:00 UTC (13:00 in Berlin).
"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from api_world import NOW, Hub, populate, running_hub
from meetings_world import FakeIngest, book_now

from hub.db.speech_models import MinutesSession, TranscriptSegment

AURORA = "hq-f1-aurora"


@pytest.fixture
def minutes_hub(tmp_path: Path) -> Iterator[tuple[Hub, FakeIngest]]:
    ingest = FakeIngest()
    with running_hub(tmp_path, ingest_factory=lambda **kwargs: ingest, ingest_enabled=True) as hub:
        populate(hub)
        yield hub, ingest


def store_session(hub: Hub, session_id: str, occurrence_id: int | None) -> None:
    """What ingest would have stored from a terminal's messages."""
    with hub.session() as session:
        session.add(
            MinutesSession(
                session_id=session_id,
                device_id="term-hq-f1-aurora",
                room_id=AURORA,
                started_at=NOW,
                start_reason="hub_command",
                booking_occurrence_id=occurrence_id,
                recording=False,
            )
        )
        for index, (text, final) in enumerate(
            [("Hello everyone.", True), ("Draft", False), ("Launch is Thursday.", True)]
        ):
            session.add(
                TranscriptSegment(
                    device_id="term-hq-f1-aurora",
                    boot="boot-1",
                    seq=index + 1,
                    room_id=AURORA,
                    session_id=session_id,
                    segment=index if final else 1,
                    start_s=2.0 * index,
                    end_s=2.0 * index + 1.0,
                    started_at=NOW,
                    text=text,
                    final=final,
                    language="en",
                    received_at=NOW,
                )
            )


def test_an_admin_starts_minutes_with_the_meetings_roster(
    minutes_hub: tuple[Hub, FakeIngest],
) -> None:
    hub, ingest = minutes_hub
    occurrence_id = book_now(hub, "member-exec", ["member-engineering"])
    response = hub.request("POST", f"/rooms/{AURORA}/minutes", json={"action": "start"})
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["devices"] == ["term-hq-f1-aurora"]
    ((room, device, target, payload),) = ingest.sent
    assert (room, device, target) == (AURORA, "term-hq-f1-aurora", "minutes")
    command = payload["command"]
    assert command == answer["command"]
    assert command["action"] == "start" and command["title"] == "Launch review"
    assert command["roster"] == ["Member-Exec", "Member-Engineering"]
    assert command["booking_occurrence_id"] == occurrence_id


def test_a_participant_may_start_and_stop_but_others_may_not(
    minutes_hub: tuple[Hub, FakeIngest],
) -> None:
    hub, ingest = minutes_hub
    book_now(hub, "member-exec", ["member-engineering"])
    start = {"action": "start", "title": "Ad hoc", "language": "en"}
    started = hub.request("POST", f"/rooms/{AURORA}/minutes", "member-engineering", json=start)
    assert started.status_code == 202, started.text
    stop = hub.request("POST", f"/rooms/{AURORA}/minutes", "member-exec", json={"action": "stop"})
    assert stop.status_code == 202
    assert [p["command"]["action"] for *_, p in ingest.sent] == ["start", "stop"]
    assert ingest.sent[0][3]["command"]["title"] == "Ad hoc"
    hub.add_user("outsider", "member", "exec")
    refused = hub.request("POST", f"/rooms/{AURORA}/minutes", "outsider", json=start)
    assert refused.status_code == 404
    for user in ("facilities-engineering", "display-exec", "device-exec"):
        assert hub.request("POST", f"/rooms/{AURORA}/minutes", user, json=start).status_code == 403
    assert len(ingest.sent) == 2


def test_without_a_meeting_only_an_admin_may_start_minutes(
    minutes_hub: tuple[Hub, FakeIngest],
) -> None:
    hub, _ = minutes_hub
    start = {"action": "start"}
    assert (
        hub.request("POST", f"/rooms/{AURORA}/minutes", "member-exec", json=start).status_code
        == 404
    )
    response = hub.request("POST", f"/rooms/{AURORA}/minutes", json=start)
    assert response.status_code == 202
    assert response.json()["command"]["roster"] == []
    assert hub.request("POST", "/rooms/no-such-room/minutes", json=start).status_code == 404


def test_no_broker_is_a_409_and_nothing_is_sent(minutes_hub: tuple[Hub, FakeIngest]) -> None:
    hub, ingest = minutes_hub
    ingest.connected = False
    response = hub.request("POST", f"/rooms/{AURORA}/minutes", json={"action": "stop"})
    assert response.status_code == 409 and "broker" in response.text
    assert ingest.sent == []


def test_transcripts_are_for_admins_and_the_meetings_members_only(
    minutes_hub: tuple[Hub, FakeIngest],
) -> None:
    hub, _ = minutes_hub
    occurrence_id = book_now(hub, "member-exec", ["member-engineering"])
    store_session(hub, "s-meeting", occurrence_id)
    store_session(hub, "s-no-booking", None)
    hub.add_user("outsider", "member", "exec")

    transcript = hub.ok("/minutes/sessions/s-meeting/transcript")
    assert [s["segment"] for s in transcript["segments"]] == [0, 2]
    assert transcript["text"] == "Hello everyone. Launch is Thursday."
    assert transcript["segments"][1]["at"] == (NOW + timedelta(seconds=4)).isoformat()
    for member in ("member-exec", "member-engineering"):
        assert (
            hub.ok("/minutes/sessions/s-meeting/transcript", member)["text"] == transcript["text"]
        )
        listed = hub.ok(f"/rooms/{AURORA}/minutes/sessions", member)
        assert [s["session_id"] for s in listed] == ["s-meeting"]
        assert hub.get("/minutes/sessions/s-no-booking/transcript", member).status_code == 404
    assert hub.get("/minutes/sessions/s-meeting/transcript", "outsider").status_code == 404
    assert hub.ok(f"/rooms/{AURORA}/minutes/sessions", "outsider") == []
    assert {s["session_id"] for s in hub.ok(f"/rooms/{AURORA}/minutes/sessions")} == {
        "s-meeting",
        "s-no-booking",
    }
    for user in ("facilities-engineering", "facilities-exec", "display-exec", "device-exec"):
        refused = hub.get("/minutes/sessions/s-meeting/transcript", user)
        assert refused.status_code == 403 and "Hello" not in refused.text
        assert hub.get(f"/rooms/{AURORA}/minutes/sessions", user).status_code == 403
    assert hub.get("/minutes/sessions/no-such/transcript").status_code == 404
