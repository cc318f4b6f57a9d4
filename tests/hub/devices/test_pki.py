"""Certificates, the revocation list and the broker's roles, as plain data."""

import base64
import hashlib
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509

from hub.devices import dynsec
from hub.devices.crl import revoke_certificate, revoked_serials, write_crl
from hub.devices.pki import PkiError, client_certificate, load_ca, new_ca, server_certificate


def test_the_ca_signs_the_broker_and_terminal_certificates(tmp_path: Path) -> None:
    ca = new_ca()
    server = server_certificate(ca, ["mq.example.org", "127.0.0.1"])
    client = client_certificate(ca, "term-a")
    for leaf in (server, client):
        leaf.certificate.verify_directly_issued_by(ca.certificate)
    names = server.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert names.value.get_values_for_type(x509.DNSName) == ["mq.example.org"]
    assert names.value.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    common_name = client.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    assert [a.value for a in common_name] == ["term-a"]
    client.write(tmp_path / "a.crt", tmp_path / "a.key")
    assert stat.S_IMODE((tmp_path / "a.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a.crt").stat().st_mode) & 0o044  # a certificate is public


def test_a_ca_is_loaded_only_with_its_own_key(tmp_path: Path) -> None:
    ca, other = new_ca(), new_ca()
    ca.write(tmp_path / "ca.crt", tmp_path / "ca.key")
    other.write(tmp_path / "other.crt", tmp_path / "other.key")
    assert load_ca(tmp_path / "ca.crt", tmp_path / "ca.key").cert_pem == ca.cert_pem
    with pytest.raises(PkiError, match="is not the key of"):
        load_ca(tmp_path / "ca.crt", tmp_path / "other.key")
    with pytest.raises(PkiError, match="cannot read"):
        load_ca(tmp_path / "missing.crt", tmp_path / "ca.key")


def test_the_revocation_list_grows_once_per_certificate(tmp_path: Path) -> None:
    ca = new_ca()
    path = tmp_path / "crl.pem"
    write_crl(path, ca, set())
    serial = client_certificate(ca, "term-a").certificate.serial_number
    assert revoked_serials(path, ca) == set()
    assert revoke_certificate(path, ca, serial) is True
    assert revoke_certificate(path, ca, serial) is False
    assert revoked_serials(path, ca) == {serial}
    crl = x509.load_pem_x509_crl(path.read_bytes())
    assert crl.next_update_utc == ca.certificate.not_valid_after_utc  # lasts as long as the CA
    with pytest.raises(PkiError, match="not signed by the CA"):
        revoked_serials(path, new_ca())


def test_password_hashes_are_what_mosquitto_checks() -> None:
    fields = dynsec.hash_password("s3cret", iterations=1000)
    salt = base64.b64decode(fields["salt"])
    expected = hashlib.pbkdf2_hmac("sha512", b"s3cret", salt, 1000, 64)
    assert base64.b64decode(fields["password"]) == expected and fields["iterations"] == 1000
    assert dynsec.hash_password("s3cret")["salt"] != fields["salt"]


def test_a_terminal_role_names_only_its_own_topics() -> None:
    acls = dynsec.device_acls("quorum", "hq-f1-aurora", "term-a")
    root = "quorum/v1/rooms/hq-f1-aurora/devices/term-a"
    assert [(a["acltype"], a["topic"]) for a in acls] == [
        ("publishClientSend", f"{root}/status"),
        ("publishClientSend", f"{root}/occupancy"),
        ("publishClientSend", f"{root}/heartbeat"),
        ("publishClientSend", f"{root}/events/+"),
        ("publishClientSend", f"{root}/speech/+"),
        ("subscribePattern", f"{root}/cmd/+"),
    ]
    assert all(a["allow"] for a in acls)
    # An id with a wildcard would widen the role: refused.
    for room, device in (("+", "term-a"), ("hq", "#"), ("hq/x", "term-a")):
        with pytest.raises(ValueError, match="not a valid id"):
            dynsec.device_acls("quorum", room, device)


def test_a_new_brokers_file_denies_by_default() -> None:
    config = dynsec.initial_config(prefix="quorum", admin_password="a", hub_password="h")
    assert config["defaultACLAccess"] == {
        "publishClientSend": False,
        "publishClientReceive": True,
        "subscribe": False,
        "unsubscribe": True,
    }
    assert [c["username"] for c in config["clients"]] == ["quorum-admin", "quorum-hub"]
    assert all(c["password"] not in ("a", "h") for c in config["clients"])  # hashes only
