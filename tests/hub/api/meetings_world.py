"""A meeting with minutes in a test hub, made through the hub's own ingest (apply_batch)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson
from api_world import NOW, Hub

from common.clock import FakeClock
from contract import topics
from hub.ingest.apply import Received, apply_batch

AURORA = "hq-f1-aurora"
DEVICE = "term-hq-f1-aurora"
BOOT = "20260106T110000-aaaa0001"
SESSION = "20260106T115000-5be2a7f1"
# Words of the meeting that must not outlive its deletion.
SECRET_WORDS = ("zanzibar", "quokka", "marmalade", "tangerine")


@dataclass
class Terminal:
    """Aurora's terminal: sequenced messages as the edge sends them."""

    prefix: str = "quorum"
    seq: int = 0
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def message(self, type_: str, kind: str, data: dict[str, Any]) -> tuple[str, bytes]:
        self.seq += 1
        payload = orjson.dumps(
            {
                "v": 1,
                "type": type_,
                "ts": (NOW + timedelta(seconds=self.seq)).isoformat(),
                "device": DEVICE,
                "boot": BOOT,
                "seq": self.seq,
                "data": data,
            }
        )
        raw = (topics.speech_topic(self.prefix, AURORA, DEVICE, kind), payload)
        self.sent.append(raw)
        return raw

    def started(self, occurrence_id: int | None) -> tuple[str, bytes]:
        data: dict[str, Any] = {
            "session": SESSION,
            "state": "started",
            "reason": "hub_command",
            "started_at": (NOW - timedelta(minutes=10)).isoformat(),
            "title": "Zanzibar launch review",
        }
        if occurrence_id is not None:
            data["booking_occurrence_id"] = occurrence_id
        return self.message("minutes_session", "minutes", data)

    def transcript(self, segment: int, text: str) -> tuple[str, bytes]:
        data = {
            "session": SESSION,
            "segment": segment,
            "start_s": 2.0 * segment,
            "end_s": 2.0 * segment + 1.5,
            "started_at": (NOW - timedelta(minutes=10)).isoformat(),
            "text": text,
            "final": True,
            "language": "en",
        }
        return self.message("transcript", "transcript", data)

    def minutes(self, items: list[dict[str, Any]] | None = None) -> tuple[str, bytes]:
        data = {
            "session": SESSION,
            "meeting_start": (NOW - timedelta(minutes=10)).isoformat(),
            "language": "en",
            "action_items": DEFAULT_ITEMS if items is None else items,
            "decisions": [
                {"text": "ship the quokka build", "evidence": {"quote": "We ship the quokka."}}
            ],
            "open_questions": [
                {"text": "who brings marmalade?", "evidence": {"quote": "Marmalade, anyone?"}}
            ],
        }
        return self.message("minutes", "minutes", data)

    def deleted(self) -> tuple[str, bytes]:
        data = {"session": SESSION, "purged_messages": 3, "recordings_deleted": 0}
        return self.message("minutes_deleted", "minutes", data)


DEFAULT_ITEMS: list[dict[str, Any]] = [
    {
        "owner": "Member-Engineering",
        "task": "send the zanzibar slides",
        "due": date(2026, 1, 9).isoformat(),
        "evidence": {
            "quote": "Member-Engineering sends the zanzibar slides by Friday.",
            "start": 12.5,
        },
    },
    {
        "owner": "Someone Else",
        "owner_user_id": "member-exec",
        "task": "book the tangerine room",
        "due": None,
        "evidence": {"quote": "I'll book the tangerine room."},
        "review": ["the speaker is not known"],
    },
]


def feed(hub: Hub, *raws: tuple[str, bytes]) -> None:
    """What the ingest service does with messages it received: one committed batch."""
    clock = hub.clock
    assert isinstance(clock, FakeClock)
    items = [Received(t, p, clock.now()) for t, p in raws]
    with hub.state.session_factory() as session, session.begin():
        result = apply_batch(session, items, clock)
    assert result.dead == [], result.dead


@dataclass
class FakeIngest:
    """The ingest service's command side: records what would go to the broker."""

    sent: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    connected: bool = True

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def stats(self) -> Any:
        return None

    def publish_command(self, room_id: str, device_id: str, target: str, payload: bytes) -> bool:
        if self.connected:
            self.sent.append((room_id, device_id, target, orjson.loads(payload)))
        return self.connected


def book_now(
    hub: Hub,
    organizer: str = "member-exec",
    attendees: tuple[str, ...] | list[str] = (),
    start: timedelta = timedelta(minutes=-15),
    end: timedelta = timedelta(minutes=45),
) -> int:
    """A booking of Aurora around the hub's NOW; returns its first occurrence's id."""
    made = hub.request(
        "POST",
        "/bookings",
        organizer,
        json={
            "space_kind": "room",
            "space_id": AURORA,
            "title": "Launch review",
            "starts_at": (NOW + start).isoformat(),
            "ends_at": (NOW + end).isoformat(),
            "attendees": list(attendees),
        },
    )
    assert made.status_code == 201, made.text
    occurrence_id: int = made.json()["occurrences"][0]["id"]
    return occurrence_id


def a_meeting(hub: Hub, terminal: Terminal | None = None) -> Terminal:
    """Member-exec's meeting with member-engineering, transcribed, with draft minutes."""
    terminal = terminal or Terminal()
    occurrence = book_now(hub, "member-exec", ("member-engineering",))
    feed(
        hub,
        terminal.started(occurrence),
        terminal.transcript(0, "Zanzibar is the quokka codename."),
        terminal.transcript(1, "Marmalade and tangerine for everyone."),
        terminal.minutes(),
    )
    return terminal
