"""The terminal configuration's TLS settings (mqtt: tls, ca_file, cert_file, key_file)."""

from pathlib import Path

import pytest

from contract.config_loader import ConfigError, load_terminal_config

BASE = """\
version: 1
terminal: {id: t1}
site: {id: hq, name: HQ}
building: {id: b1, name: Main}
floor: {id: f1, name: Floor 1}
room: {id: r1, name: Room one, capacity: 6, timezone: Europe/Berlin}
sensors:
  - {id: pir, kind: pir_motion, pin: 17}
"""


def load(tmp_path: Path, mqtt: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "t.yaml"
    path.write_text(BASE + "mqtt:\n" + mqtt)
    return load_terminal_config(path)


def test_files_go_with_tls(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "  tls: true\n  ca_file: /etc/quorum/ca.crt\n"
        "  cert_file: /etc/quorum/t1.crt\n  key_file: /etc/quorum/t1.key\n",
    )
    assert (config.mqtt.ca_file, config.mqtt.cert_file, config.mqtt.key_file) == (
        "/etc/quorum/ca.crt",
        "/etc/quorum/t1.crt",
        "/etc/quorum/t1.key",
    )
    older = load(tmp_path, "  tls: true\n")  # a config from before: the system's CAs
    assert older.mqtt.tls and older.mqtt.ca_file is None


@pytest.mark.parametrize(
    ("mqtt", "message"),
    [
        ("  ca_file: /etc/quorum/ca.crt\n", "only apply with 'tls: true'"),
        ("  tls: true\n  cert_file: /etc/quorum/t1.crt\n", "go together"),
        ("  tls: true\n  key_file: /etc/quorum/t1.key\n", "go together"),
    ],
)
def test_inconsistent_tls_settings_are_located_errors(
    tmp_path: Path, mqtt: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, mqtt)
    [problem] = caught.value.problems
    assert problem.path.startswith("mqtt") and message in problem.message
    assert problem.line is not None
