"""Ingest of ``intent`` messages: one ``voice_commands`` row per (device, utterance).

Called from the ingest batch (hub/ingest/speech.py) for messages the ledger saw for the
first time, so a re-delivered message is stored once. Rows start ``pending``; the ingest
service carries them out after the batch is committed (hub/voice/runner.py), so a command
never acts on a state the database does not have.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.intent_data import IntentData
from hub.db.voice_models import VoiceCommand

PENDING = "pending"


def store_intents(
    session: Session, intents: list[tuple[str, str, IntentData, datetime]]
) -> list[int]:
    """Store ``(device, room, data, received_at)`` rows; the ids of those new."""
    ids: list[int] = []
    for device_id, room_id, data, received_at in intents:
        known = session.scalar(
            select(VoiceCommand.id).where(
                VoiceCommand.device_id == device_id, VoiceCommand.utterance == data.utterance
            )
        )
        if known is not None:  # the terminal sent one utterance twice (new seq): keep the first
            continue
        row = VoiceCommand(
            device_id=device_id,
            room_id=room_id,
            utterance=data.utterance,
            intent=data.intent,
            slots={k: _clean(v) for k, v in data.slots.items()},
            confidence=data.confidence,
            text=_no_nul(data.text),
            trigger=data.trigger,
            language=data.language,
            session_id=data.session,
            said_at=data.said_at,
            received_at=received_at,
            outcome=PENDING,
            detail={},
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
    return ids


def pending_ids(session: Session, received_before: datetime, limit: int = 100) -> list[int]:
    """Commands stored but not carried out (the hub stopped between the two)."""
    return list(
        session.scalars(
            select(VoiceCommand.id)
            .where(VoiceCommand.outcome == PENDING, VoiceCommand.received_at <= received_before)
            .order_by(VoiceCommand.id)
            .limit(limit)
        )
    )


def _clean(value: object) -> object:
    return _no_nul(value) if isinstance(value, str) else value


def _no_nul(text: str) -> str:
    return text.replace("\x00", "\\x00")  # PostgreSQL refuses NUL in text
