"""A terminal whose TLS files cannot be read stops with a message, before connecting."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from edge.cli import app
from edge.credentials import CredentialError, check_tls_files

from .conftest import AURORA


def test_unreadable_tls_files_are_named(tmp_path: Path) -> None:
    present = tmp_path / "ca.crt"
    present.write_text("pem")
    check_tls_files(str(present), None, None)
    with pytest.raises(CredentialError, match=r"mqtt: the TLS file .*missing.crt cannot be read"):
        check_tls_files(str(present), str(tmp_path / "missing.crt"), None)


def test_run_stops_on_a_missing_ca_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUORUM_MQTT_PASSWORD", "x")
    config = tmp_path / "aurora.yaml"
    missing = tmp_path / "nowhere" / "ca.crt"
    config.write_text(
        AURORA.read_text().replace(
            "  port: 1883\n", f"  port: 8883\n  tls: true\n  ca_file: {missing}\n"
        )
    )
    result = CliRunner().invoke(
        app, ["run", "--config", str(config), "--simulate", "meeting_room_day"]
    )
    assert result.exit_code == 1
    assert f"the TLS file {missing} cannot be read" in result.stderr
