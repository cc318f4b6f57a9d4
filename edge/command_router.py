"""Routes the hub's commands (``.../cmd/<target>``) to whoever handles that target.

``spool`` goes to :class:`edge.spool_commands.SpoolCommands`, ``minutes`` to the minutes
session (``edge.speech_runtime``). Handlers run on paho's network thread: they decode and
hand the work to a thread of their own, never waiting on SQLite or the publisher there.
"""

import logging
from collections.abc import Callable

import paho.mqtt.client as paho

from contract.topics import TopicError, parse_topic

log = logging.getLogger(__name__)

Handler = Callable[[paho.MQTTMessage], None]


class CommandRouter:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def add(self, target: str, handler: Handler) -> None:
        self._handlers[target] = handler

    def on_message(self, message: paho.MQTTMessage) -> None:
        """MqttConnection's ``on_message`` for the terminal's command topics."""
        try:
            target = parse_topic(message.topic).kind
        except TopicError:
            target = None
        handler = self._handlers.get(target or "")
        if handler is None:
            log.debug("ignoring a message on %s", message.topic)
            return
        handler(message)
