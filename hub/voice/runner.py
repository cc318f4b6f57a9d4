"""Carrying out stored voice commands and answering them, one transaction per command.

The ingest service calls :func:`carry_out` right after the batch that stored the commands
is committed, and :func:`carry_out_pending` now and then for commands a stopped hub left
``pending``. A command is claimed under a row lock (PostgreSQL; several workers), so it is
carried out once; its effects and its outcome commit together. The reply goes out after
the commit, through the ingest service's ``publish_command``, once: if the broker is away
then, the outcome is still readable through the API.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from contract.commands import VOICE_TARGET, VoiceReply, encode_voice_reply
from hub.checkin.policy import CheckInPolicy
from hub.db.models import Room
from hub.db.voice_models import VoiceCommand
from hub.voice.actions import FAILED, Outcome, VoiceContext, handlers, unknown
from hub.voice.replies import language_of, say
from hub.voice.store import PENDING, pending_ids

log = logging.getLogger(__name__)

#: ``publish_command(room_id, device_id, target, payload) -> sent``
CommandSender = Callable[[str, str, str, bytes], bool]
# A pending command this old was left by a hub that stopped between storing and acting.
LEFT_PENDING_AFTER = timedelta(seconds=10)


def carry_out(
    factory: sessionmaker[Session],
    ids: Iterable[int],
    *,
    now: datetime,
    policy: CheckInPolicy,
    send: CommandSender | None,
) -> list[VoiceReply]:
    """Carry out each command and send its reply; the replies made (sent or not)."""
    replies = []
    for command_id in ids:
        answer = _carry_out_one(factory, command_id, now, policy)
        if answer is None:
            continue  # handled already (another worker, or a repeated call)
        room_id, device_id, reply = answer
        replies.append(reply)
        if send is not None and not send(
            room_id, device_id, VOICE_TARGET, encode_voice_reply(reply, now)
        ):
            log.warning("voice reply to %s for %s not sent: no broker", device_id, reply.intent)
    return replies


def carry_out_pending(
    factory: sessionmaker[Session],
    *,
    now: datetime,
    policy: CheckInPolicy,
    send: CommandSender | None,
) -> list[VoiceReply]:
    with factory() as session:
        ids = pending_ids(session, now - LEFT_PENDING_AFTER)
    return carry_out(factory, ids, now=now, policy=policy, send=send) if ids else []


def _carry_out_one(
    factory: sessionmaker[Session], command_id: int, now: datetime, policy: CheckInPolicy
) -> tuple[str, str, VoiceReply] | None:
    with factory() as session, session.begin():
        command = session.scalar(
            select(VoiceCommand)
            .where(VoiceCommand.id == command_id, VoiceCommand.outcome == PENDING)
            .with_for_update()
        )
        if command is None:
            return None
        outcome = _act(session, command, now, policy)
        command.outcome = outcome.status
        command.detail = outcome.detail
        command.handled_at = now
        language = language_of(command.language, command.text)
        reply = VoiceReply(
            utterance=command.utterance,
            ok=outcome.ok,
            intent=command.intent,
            say=say(outcome.reply, language, **outcome.values),
            detail={"outcome": outcome.status, **outcome.detail},
        )
        return command.room_id, command.device_id, reply


def _act(session: Session, command: VoiceCommand, now: datetime, policy: CheckInPolicy) -> Outcome:
    room = session.get(Room, command.room_id)
    zone = ZoneInfo(room.timezone if room is not None else "UTC")
    ctx = VoiceContext(session=session, command=command, now=now, policy=policy, zone=zone)
    handler = handlers().get(command.intent, unknown)
    try:
        # A savepoint: a handler that fails leaves no half-done change, only its outcome.
        with session.begin_nested():
            return handler(ctx)
    except Exception as exc:  # a bug in a handler must not lose the command or its answer
        log.exception("voice command %s (%s) failed", command.id, command.intent)
        return Outcome(FAILED, "failed", {}, {"reason": "hub_error", "why": type(exc).__name__})
