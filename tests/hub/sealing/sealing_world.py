"""Speech messages as terminals send them, for the encryption-at-rest tests."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from contract import topics

T0 = datetime(2026, 1, 6, 11, 50, tzinfo=UTC)
# Words that appear nowhere but in what these meetings say.
SECRET = "xylophonic quokka marmalade"
TITLE = "Zanzibar launch review"


@dataclass
class Speaker:
    """One terminal's sequenced speech messages for one session."""

    room: str
    device: str
    session: str
    prefix: str = "quorum"
    boot: str = "20260106T110000-aaaa0001"
    seq: int = 0
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def message(self, type_: str, kind: str, data: dict[str, Any]) -> tuple[str, bytes]:
        self.seq += 1
        payload = orjson.dumps(
            {
                "v": 1,
                "type": type_,
                "ts": (T0 + timedelta(seconds=self.seq)).isoformat(),
                "device": self.device,
                "boot": self.boot,
                "seq": self.seq,
                "data": data,
            }
        )
        raw = (topics.speech_topic(self.prefix, self.room, self.device, kind), payload)
        self.sent.append(raw)
        return raw

    def started(self) -> tuple[str, bytes]:
        data = {
            "session": self.session,
            "state": "started",
            "reason": "hub_command",
            "started_at": T0.isoformat(),
            "title": TITLE,
        }
        return self.message("minutes_session", "minutes", data)

    def transcript(self, segment: int, text: str) -> tuple[str, bytes]:
        data = {
            "session": self.session,
            "segment": segment,
            "start_s": 2.0 * segment,
            "end_s": 2.0 * segment + 1.5,
            "started_at": T0.isoformat(),
            "text": text,
            "final": True,
            "language": "en",
        }
        return self.message("transcript", "transcript", data)

    def minutes(self) -> tuple[str, bytes]:
        data = {
            "session": self.session,
            "meeting_start": T0.isoformat(),
            "language": "en",
            "action_items": [
                {
                    "owner": "Quokka Person",
                    "task": f"send the {SECRET} slides",
                    "due": "2026-01-09",
                    "evidence": {"quote": f"I send the {SECRET} slides.", "start": 4.0},
                }
            ],
            "decisions": [{"text": f"ship the {SECRET}", "evidence": {"quote": "Agreed."}}],
            "open_questions": [{"text": f"who owns the {SECRET}?", "evidence": {"quote": "?"}}],
        }
        return self.message("minutes", "minutes", data)

    def intent(self, utterance: str, in_session: bool) -> tuple[str, bytes]:
        data = {
            "utterance": utterance,
            "intent": "add_action_item",
            "slots": {"task": f"order {SECRET}", "person": "Quokka Person"},
            "confidence": 0.9,
            "text": f"hey quorum action item order {SECRET}",
            "trigger": "wake",
            "said_at": (T0 + timedelta(minutes=1)).isoformat(),
            "session": self.session if in_session else None,
            "language": "en",
        }
        return self.message("intent", "intent", data)
