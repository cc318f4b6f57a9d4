"""Which key seals a dead letter: the meeting it names, so deleting the meeting deletes it
too; else a key shared by the dead letters that name none.

A dead letter is a message the hub could not use, kept whole: a refused transcript holds
what was said, so every dead letter is sealed, whatever its topic.
"""

import orjson

from contract.topics import TopicError, parse_topic
from hub.sealing.keys import DEAD_LETTERS_SCOPE

MAX_SESSION_ID = 64  # minutes_sessions.session_id


def room_of_topic(topic: str) -> str | None:
    try:
        return parse_topic(topic).room
    except TopicError:
        return None


def dead_letter_scope(topic: str, payload: bytes) -> str:
    """The session a refused message names (``data.session``) when its room is known too."""
    if room_of_topic(topic) is None:
        return DEAD_LETTERS_SCOPE
    try:
        envelope = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return DEAD_LETTERS_SCOPE
    data = envelope.get("data") if isinstance(envelope, dict) else None
    session = data.get("session") if isinstance(data, dict) else None
    if isinstance(session, str) and 0 < len(session) <= MAX_SESSION_ID:
        return session
    return DEAD_LETTERS_SCOPE
