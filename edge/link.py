"""The terminal's way to the hub: spool, delivery worker, MQTT connection and publisher, wired.

Shared by the terminal agent (``edge.cli``) and the load terminals of the fault suite and
benchmarks (``devtools.loadterminal``), so both run exactly the same delivery path.
"""

from dataclasses import dataclass
from pathlib import Path

from common.clock import Clock
from common.mqtt import BrokerAddress, MqttConnection
from contract import topics
from contract.commands import SPOOL_TARGET
from edge.command_router import CommandRouter
from edge.delivery import Deliverer, DeliverySettings
from edge.publisher import MessageBuilder, Publisher
from edge.spool import Spool
from edge.spool_commands import SpoolCommands
from edge.spool_sealing import SpoolSealer


@dataclass(frozen=True)
class SpoolSettings:
    path: Path
    max_messages: int
    max_bytes: int
    resend_after: float
    # The spool key (edge/spool_sealing.py); None: <path>.key.
    key_file: Path | None = None


@dataclass
class TerminalLink:
    connection: MqttConnection
    publisher: Publisher
    deliverer: Deliverer
    spool: Spool
    # Add handlers for other command targets (``minutes``) before ``connection.start()``.
    commands: CommandRouter


def open_link(
    builder: MessageBuilder, address: BrokerAddress, spool: SpoolSettings, clock: Clock
) -> TerminalLink:
    """Open the spool and wire the rest; nothing connects until ``connection.start()``.

    Raises ``SpoolLocked`` (another process has the spool), ``MasterKeyError`` (a spool key
    file that cannot be used), ``SpoolKeyMismatch`` (the spool was sealed with another key),
    or ``OSError`` / ``sqlite3.Error`` (the file cannot be opened).
    """
    identity = builder.identity
    sealer = SpoolSealer.from_file(spool.key_file) if spool.key_file is not None else None
    outbox = Spool(
        spool.path, max_messages=spool.max_messages, max_bytes=spool.max_bytes, sealer=sealer
    )

    def connected() -> None:
        # Every (re)connect: a restarted broker has forgotten the retained status, so it
        # goes first; then the spool re-publishes what the hub has not confirmed.
        publisher.announce_online()
        deliverer.on_connected()

    connection = MqttConnection(
        address,
        identity.device_id,
        will=builder.will(clock.now()),
        on_connected=connected,
        on_disconnected=lambda: deliverer.on_disconnected(),
        on_published=lambda mid: deliverer.on_published(mid),
        on_message=lambda message: router.on_message(message),
    )
    deliverer = Deliverer(connection, outbox, DeliverySettings(resend_after=spool.resend_after))
    publisher = Publisher(builder, deliverer, clock, delivery=deliverer)
    router = CommandRouter()
    router.add(SPOOL_TARGET, SpoolCommands(deliverer, publisher.report_gap).on_message)
    connection.subscribe(topics.commands_for(identity.prefix, identity.room_id, identity.device_id))
    return TerminalLink(connection, publisher, deliverer, outbox, router)
