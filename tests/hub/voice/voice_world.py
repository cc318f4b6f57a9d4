"""A test hub whose terminals say voice commands: messages go through the hub's own ingest
(apply_batch), then the commands are carried out as the ingest service does after a commit,
with replies captured from ``publish_command``."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from api_world import DEVICE_OF_ROOM, Hub
from meetings_world import FakeIngest, book_now

from common.clock import FakeClock
from contract import topics
from hub.checkin.policy import CheckInPolicy
from hub.db.voice_models import VoiceCommand
from hub.ingest.apply import Received, apply_batch
from hub.voice.runner import carry_out

AURORA = "hq-f1-aurora"
BOOT = "20260106T110000-bbbb0002"


@dataclass
class VoiceHub:
    hub: Hub
    ingest: FakeIngest
    seq: int = 0

    @property
    def clock(self) -> FakeClock:
        assert isinstance(self.hub.clock, FakeClock)
        return self.hub.clock

    def message(
        self, type_: str, kind: str, data: dict[str, Any], room: str = AURORA
    ) -> tuple[str, bytes]:
        self.seq += 1
        device = DEVICE_OF_ROOM[room]
        payload = orjson.dumps(
            {
                "v": 1,
                "type": type_,
                "ts": self.clock.now().isoformat(),
                "device": device,
                "boot": BOOT,
                "seq": self.seq,
                "data": data,
            }
        )
        return topics.speech_topic("quorum", room, device, kind), payload

    def intent(
        self,
        intent: str,
        slots: dict[str, Any] | None = None,
        *,
        text: str = "",
        said_at: datetime | None = None,
        session: str | None = None,
        language: str | None = "en",
        room: str = AURORA,
    ) -> tuple[str, bytes]:
        data: dict[str, Any] = {
            "utterance": f"u{self.seq + 1}",
            "intent": intent,
            "slots": slots or {},
            "confidence": 0.95,
            "text": text or intent.replace("_", " "),
            "trigger": "ptt",
            "said_at": (said_at or self.clock.now()).isoformat(),
            "session": session,
        }
        if language is not None:
            data["language"] = language
        return self.message("intent", "intent", data, room)

    def feed(self, *raws: tuple[str, bytes]) -> list[int]:
        """One committed batch, then its voice commands carried out; the new commands' ids."""
        items = [Received(t, p, self.clock.now()) for t, p in raws]
        with self.hub.state.session_factory() as session, session.begin():
            result = apply_batch(session, items, self.clock)
        assert result.dead == [], result.dead
        carry_out(
            self.hub.state.session_factory,
            result.voice,
            now=self.clock.now(),
            policy=CheckInPolicy(),
            send=self.ingest.publish_command,
        )
        return result.voice

    def say(self, intent: str, slots: dict[str, Any] | None = None, **kwargs: Any) -> dict:
        """Send one command; the reply the hub published for it."""
        before = len(self.ingest.sent)
        self.feed(self.intent(intent, slots, **kwargs))
        assert len(self.ingest.sent) == before + 1, self.ingest.sent[before:]
        room, device, target, payload = self.ingest.sent[-1]
        assert (device, target) == (DEVICE_OF_ROOM[room], "voice")
        reply: dict = payload["command"]
        return reply

    def commands(self) -> list[VoiceCommand]:
        with self.hub.session() as session:
            rows = session.query(VoiceCommand).order_by(VoiceCommand.id).all()
            session.expunge_all()
            return rows

    def book(
        self,
        organizer: str = "member-exec",
        start: timedelta = timedelta(minutes=-15),
        end: timedelta = timedelta(minutes=45),
        attendees: tuple[str, ...] = (),
    ) -> int:
        return book_now(self.hub, organizer, attendees, start, end)
