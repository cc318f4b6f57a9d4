"""The shipped broker configuration against a real Mosquitto (deploy/mosquitto/quorum.conf,
files from 'python -m hub broker init', accounts made live by the hub's own admin code).

What a terminal may do is asserted by the MQTT 5 reason codes the broker answers with, and
what reaches others by the messages they receive, in order.
"""

import queue
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from devices_probe import ADMINISTRATIVE_ACTION, NOT_AUTHORIZED, Probe

from common.mqtt import BrokerAddress, MqttConnection
from contract import topics
from devtools.broker import mosquitto_broker
from devtools.certs import make_ca, make_client
from devtools.secure_broker import SecuredBroker
from hub.devices.broker_accounts import DeviceAccount, DynsecAccounts
from hub.devices.crl import revoke_certificate
from hub.devices.pki import KeyPair, client_certificate, load_ca, server_certificate

pytestmark = pytest.mark.integration

AURORA, BOREALIS = "hq-f1-aurora", "hq-f1-borealis"
TERM_A, TERM_B = "term-a", "term-b"
GRANTED_QOS_1 = 1


@pytest.fixture
def accounts(secured_broker: SecuredBroker) -> Iterator[DynsecAccounts]:
    setup = secured_broker.setup
    address = BrokerAddress(
        secured_broker.host,
        secured_broker.port,
        username=setup.admin_username,
        password=setup.admin_password,
        tls=True,
        ca_file=str(secured_broker.ca_file),
    )
    with DynsecAccounts(address, "test-admin") as made:
        made.add_device(DeviceAccount(TERM_A, AURORA, "quorum", "password-of-a"))
        made.add_device(DeviceAccount(TERM_B, BOREALIS, "quorum", "password-of-b"))
        yield made


@pytest.fixture
def probes() -> Iterator[list[Probe]]:
    made: list[Probe] = []
    yield made
    for probe in made:
        probe.close()


def connected(probes: list[Probe], broker: SecuredBroker, name: str, **options: object) -> Probe:
    probe = opened(probes, broker, name, **options)
    outcome = probe.connect()
    assert outcome.accepted, outcome
    return probe


def opened(probes: list[Probe], broker: SecuredBroker, name: str, **options: object) -> Probe:
    options.setdefault("ca_file", broker.ca_file)
    options.setdefault("port", broker.port)
    probe = Probe(name, **options)  # type: ignore[arg-type]
    probes.append(probe)
    return probe


def hub(probes: list[Probe], broker: SecuredBroker) -> Probe:
    setup = broker.setup
    return connected(
        probes, broker, "hub", username=setup.hub_username, password=setup.hub_password
    )


def terminal(probes: list[Probe], broker: SecuredBroker, device: str, password: str) -> Probe:
    return connected(probes, broker, device, username=device, password=password)


def test_a_terminal_publishes_only_as_itself_in_its_own_room(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe]
) -> None:
    watcher = hub(probes, secured_broker)
    assert watcher.subscribe("quorum/v1/rooms/+/devices/+/#").value == GRANTED_QOS_1
    a = terminal(probes, secured_broker, TERM_A, "password-of-a")
    refused = [
        topics.occupancy_topic("quorum", BOREALIS, TERM_B),  # another room and terminal
        topics.occupancy_topic("quorum", BOREALIS, TERM_A),  # itself, in another room
        topics.status_topic("quorum", AURORA, TERM_B),  # another terminal, in its room
        topics.command_topic("quorum", AURORA, TERM_A, "spool"),  # commands are the hub's
        "quorum/v1/hub/live",
    ]
    for topic in refused:
        assert a.publish(topic, b"forged").value == NOT_AUTHORIZED, topic
    own = topics.occupancy_topic("quorum", AURORA, TERM_A)
    assert not a.publish(own, b"mine").is_failure
    # One connection's messages arrive in order: the refused ones would have come first.
    assert watcher.next_message() == (own, b"mine")
    event = topics.event_topic("quorum", AURORA, TERM_A, "sensor")
    assert not a.publish(event, b"event").is_failure
    assert watcher.next_message() == (event, b"event")
    with pytest.raises(queue.Empty):
        watcher.messages.get_nowait()


def test_a_terminal_reads_only_its_own_commands(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe]
) -> None:
    a = terminal(probes, secured_broker, TERM_A, "password-of-a")
    for topic_filter in (
        topics.commands_for("quorum", BOREALIS, TERM_B),
        topics.commands_for("quorum", AURORA, TERM_B),
        "quorum/v1/rooms/+/devices/+/cmd/+",
        "quorum/v1/rooms/+/devices/+/occupancy",
        "#",
    ):
        assert a.subscribe(topic_filter).value == NOT_AUTHORIZED, topic_filter
    assert a.subscribe(topics.commands_for("quorum", AURORA, TERM_A)).value == GRANTED_QOS_1
    sender = hub(probes, secured_broker)
    for_b = topics.command_topic("quorum", BOREALIS, TERM_B, "spool")
    for_a = topics.command_topic("quorum", AURORA, TERM_A, "spool")
    sender.publish(for_b, b"for b")
    assert not sender.publish(for_a, b"for a").is_failure
    assert a.next_message() == (for_a, b"for a")
    with pytest.raises(queue.Empty):
        a.messages.get_nowait()


def test_the_hub_and_admin_accounts_have_what_they_need_and_no_more(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe]
) -> None:
    watcher = hub(probes, secured_broker)
    shared = "$share/quorum-hub/quorum/v1/rooms/+/devices/+/occupancy"
    assert watcher.subscribe(shared).value == GRANTED_QOS_1
    assert watcher.subscribe("quorum/v1/hub/live").value == GRANTED_QOS_1
    assert watcher.subscribe("homeassistant/status").value == GRANTED_QOS_1
    for topic in (
        "quorum/v1/hub/live",
        "quorum/v1/users/ana/notifications",
        "homeassistant/binary_sensor/hq-f1-aurora/occupancy/config",
    ):
        assert not watcher.publish(topic).is_failure, topic
    assert watcher.publish("elsewhere/topic").value == NOT_AUTHORIZED
    setup = secured_broker.setup
    admin = connected(
        probes,
        secured_broker,
        "admin-probe",
        username=setup.admin_username,
        password=setup.admin_password,
    )
    assert admin.publish(topics.status_topic("quorum", AURORA, TERM_A)).value == NOT_AUTHORIZED
    assert admin.subscribe("quorum/#").value == NOT_AUTHORIZED


def test_no_one_comes_in_without_a_valid_account(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe]
) -> None:
    anonymous = opened(probes, secured_broker, "anonymous").connect()
    wrong = opened(
        probes, secured_broker, "wrong", username=TERM_A, password="password-of-b"
    ).connect()
    unknown = opened(probes, secured_broker, "ghost", username="ghost", password="x").connect()
    for outcome in (anonymous, wrong, unknown):
        assert outcome.connack is not None and outcome.connack.value == NOT_AUTHORIZED, outcome


def test_a_broker_certificate_from_another_ca_is_refused(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe], tmp_path: Path
) -> None:
    _, wrong = make_ca(tmp_path / "wrong", "wrong")
    outcome = opened(
        probes,
        secured_broker,
        "trusting-another-ca",
        username=TERM_A,
        password="password-of-a",
        ca_file=wrong.cert,
    ).connect()
    assert isinstance(outcome.tls_error, ssl.SSLCertVerificationError), outcome


def test_the_certificate_listener_wants_a_certificate_from_our_ca(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe], tmp_path: Path
) -> None:
    cert_port = secured_broker.cert_port
    # A password is not enough here.
    without = opened(
        probes, secured_broker, "no-cert", username=TERM_A, password="password-of-a", port=cert_port
    ).connect()
    assert not without.accepted and without.connack is None, without
    # A certificate for the right name, signed by another CA.
    wrong_ca, _ = make_ca(tmp_path / "wrong", "wrong")
    forged = make_client(wrong_ca, TERM_A, tmp_path / "wrong")
    outcome = opened(
        probes, secured_broker, "forged", port=cert_port, cert=forged.cert, key=forged.key
    ).connect()
    assert not outcome.accepted and outcome.connack is None, outcome


def _issue(
    broker: SecuredBroker, accounts: DynsecAccounts, device: str, room: str, out: Path
) -> KeyPair:
    """A certificate-only terminal, as 'devices provision --cert' makes one."""
    setup = broker.setup
    pair = client_certificate(load_ca(setup.path("ca.crt"), setup.path("ca.key")), device)
    pair.write(out / f"{device}.crt", out / f"{device}.key")
    accounts.add_device(DeviceAccount(device, room, "quorum", None))
    return pair


def test_a_certificate_terminal_is_held_to_its_own_topics(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe], tmp_path: Path
) -> None:
    _issue(secured_broker, accounts, "term-c", AURORA, tmp_path)
    c = connected(
        probes,
        secured_broker,
        "term-c",
        port=secured_broker.cert_port,
        cert=tmp_path / "term-c.crt",
        key=tmp_path / "term-c.key",
    )
    assert not c.publish(topics.status_topic("quorum", AURORA, "term-c")).is_failure
    other = topics.status_topic("quorum", BOREALIS, "term-c")
    assert c.publish(other).value == NOT_AUTHORIZED
    # It has no password: the password listener does not let it in.
    outcome = opened(probes, secured_broker, "term-c-pw", username="term-c", password="").connect()
    assert outcome.connack is not None and outcome.connack.value == NOT_AUTHORIZED


def test_removing_an_account_closes_its_session_and_refuses_its_password(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe]
) -> None:
    a = terminal(probes, secured_broker, TERM_A, "password-of-a")
    b = terminal(probes, secured_broker, TERM_B, "password-of-b")
    assert accounts.remove_device(TERM_A) is True
    assert a.wait_closed().value == ADMINISTRATIVE_ACTION
    again = opened(probes, secured_broker, "a-again", username=TERM_A, password="password-of-a")
    outcome = again.connect()
    assert outcome.connack is not None and outcome.connack.value == NOT_AUTHORIZED
    # The other terminal is untouched, and removing twice is not an error.
    assert not b.publish(topics.status_topic("quorum", BOREALIS, TERM_B)).is_failure
    assert accounts.remove_device(TERM_A) is False


def test_a_revoked_certificate_is_kicked_then_refused_at_the_handshake(
    secured_broker: SecuredBroker, accounts: DynsecAccounts, probes: list[Probe], tmp_path: Path
) -> None:
    pair = _issue(secured_broker, accounts, "term-c", AURORA, tmp_path)
    own = topics.status_topic("quorum", AURORA, "term-c")
    files = {
        "port": secured_broker.cert_port,
        "cert": tmp_path / "term-c.crt",
        "key": tmp_path / "term-c.key",
    }
    c = connected(probes, secured_broker, "term-c", **files)
    accounts.remove_device("term-c")
    assert c.wait_closed().value == ADMINISTRATIVE_ACTION
    # Mosquitto 2.0 checks no password on this listener: the certificate still connects,
    # but without an account it may neither publish nor subscribe.
    back = connected(probes, secured_broker, "term-c-back", **files)
    assert back.publish(own).value == NOT_AUTHORIZED
    assert back.subscribe(topics.commands_for("quorum", AURORA, "term-c")).value == NOT_AUTHORIZED
    # On the revocation list and reread by the broker: refused at the TLS handshake.
    setup = secured_broker.setup
    ca = load_ca(setup.path("ca.crt"), setup.path("ca.key"))
    assert revoke_certificate(setup.path("crl.pem"), ca, pair.certificate.serial_number)
    secured_broker.broker.reload()
    deadline = time.monotonic() + 15
    while True:  # the reload happens between the broker's network loops
        outcome = opened(probes, secured_broker, "term-c-revoked", **files).connect()
        if not outcome.accepted or time.monotonic() > deadline:
            break
    assert outcome.connack is None and not outcome.accepted, outcome


def test_the_shared_client_checks_the_brokers_name(
    mosquitto_binary: str, secured_broker: SecuredBroker, tmp_path: Path
) -> None:
    """common.mqtt (terminals and hub) refuses a broker whose certificate names another host,
    even one signed by the right CA; the right name passes."""
    setup = secured_broker.setup
    ca = load_ca(setup.path("ca.crt"), setup.path("ca.key"))
    elsewhere = server_certificate(ca, ["mq.example.org"])
    elsewhere.write(tmp_path / "elsewhere.crt", tmp_path / "elsewhere.key")
    misnamed = mosquitto_broker(
        tmp_path / "misnamed",
        extra_config=f"certfile {tmp_path / 'elsewhere.crt'}\n"
        f"keyfile {tmp_path / 'elsewhere.key'}\n",
    ).start()
    try:
        for port, refused in ((misnamed.port, True), (secured_broker.port, False)):
            address = BrokerAddress(
                "localhost", port, tls=True, ca_file=str(secured_broker.ca_file)
            )
            client = MqttConnection(address, f"name-check-{port}")._client  # as it connects
            try:
                client.connect(address.host, address.port)
            except ssl.SSLCertVerificationError as exc:
                assert refused and "Hostname mismatch" in str(exc), exc
            else:
                assert not refused
                client.disconnect()
    finally:
        misnamed.kill()
