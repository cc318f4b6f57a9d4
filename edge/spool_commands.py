"""The hub's spool commands (``.../cmd/spool``): ``ack`` empties the spool, ``replay`` refills
the hub's holes. See ``contract.commands``.

Decoding happens on paho's thread (cheap, and a bad payload is logged and ignored there);
the work runs on the delivery worker, so paho never waits on SQLite.
"""

import logging
from collections.abc import Callable
from functools import partial

import paho.mqtt.client as paho

from contract.commands import SPOOL_TARGET, AckCommand, SpoolCommand, decode_command
from contract.messages import ContractError
from contract.topics import TopicError, parse_topic
from edge.delivery import Deliverer
from edge.publisher import GapReason
from edge.seqranges import SeqSpan

log = logging.getLogger(__name__)

ReportGap = Callable[[str, list[SeqSpan], GapReason], None]


class SpoolCommands:
    def __init__(self, deliverer: Deliverer, report_gap: ReportGap) -> None:
        self._deliverer = deliverer
        self._report_gap = report_gap

    def on_message(self, message: paho.MQTTMessage) -> None:
        """MqttConnection's ``on_message`` for the terminal's command topics."""
        try:
            target = parse_topic(message.topic).kind
        except TopicError:
            target = None
        if target != SPOOL_TARGET:
            log.debug("ignoring a message on %s", message.topic)
            return
        try:
            command = decode_command(bytes(message.payload))
        except ContractError as exc:
            log.warning("ignoring a bad spool command on %s: %s", message.topic, exc)
            return
        self._deliverer.call_soon(partial(self.apply, command))

    def apply(self, command: SpoolCommand) -> None:
        if isinstance(command, AckCommand):
            removed = self._deliverer.confirm(command.boot, command.through_seq)
            log.debug(
                "hub confirmed boot %s through seq %d: %d message(s) removed from the spool",
                command.boot,
                command.through_seq,
                removed,
            )
            return
        spans = [(r.first, r.last) for r in command.ranges]
        missing = self._deliverer.replay(command.boot, spans)
        log.info(
            "hub asked for %d range(s) of boot %s; %d range(s) not in the spool",
            len(spans),
            command.boot,
            len(missing),
        )
        if missing:
            self._report_gap(command.boot, missing, "not_in_spool")
