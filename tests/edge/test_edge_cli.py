"""``python -m edge validate`` and ``run``'s input checks: output and exit codes are a contract."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from common.mqtt import BrokerAddress
from contract.config_loader import load_terminal_config
from edge.cli import app
from edge.credentials import CredentialError, resolve_secret
from edge.runtime import spool_path as _spool_path
from edge.spool import Spool

from .conftest import AURORA, BOREALIS, FIRMWARE_CONFIGS

ROOT = FIRMWARE_CONFIGS.parent
runner = CliRunner()


def misspelled_kind(tmp_path: Path) -> tuple[Path, int]:
    text = AURORA.read_text()
    bad = tmp_path / "aurora-typo.yaml"
    bad.write_text(text.replace("kind: pir_motion", "kind: pir_motoin"))
    line = next(n for n, ln in enumerate(bad.read_text().splitlines(), 1) if "pir_motoin" in ln)
    return bad, line


def test_a_misspelled_sensor_kind_exits_1_with_file_line_and_suggestion(tmp_path: Path) -> None:
    bad, line = misspelled_kind(tmp_path)
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    [problem] = result.stderr.splitlines()
    assert problem.startswith(f"{bad}:{line}: sensors[0].kind: ")
    assert problem.endswith("(did you mean pir_motion?)")
    assert result.stdout.strip() == "1 of 1 file invalid (1 problem)"


def test_all_shipped_configs_are_valid() -> None:
    files = sorted(str(p) for p in FIRMWARE_CONFIGS.glob("*.yaml"))
    result = runner.invoke(app, ["validate", *files])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"{len(files)} files valid"
    assert result.stderr == ""


def test_json_output_is_one_document_with_every_file(tmp_path: Path) -> None:
    bad, line = misspelled_kind(tmp_path)
    result = runner.invoke(app, ["validate", "--json", str(BOREALIS), str(bad)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)  # nothing else on stdout
    assert document == {
        "valid": False,
        "files": [
            {"file": str(BOREALIS), "valid": True, "errors": []},
            {
                "file": str(bad),
                "valid": False,
                "errors": [
                    {
                        "line": line,
                        "path": "sensors[0].kind",
                        "message": document["files"][1]["errors"][0]["message"],
                        "suggestion": "pir_motion",
                    }
                ],
            },
        ],
    }
    assert "pir_motion" in document["files"][1]["errors"][0]["message"]  # lists the valid kinds
    assert str(bad) in result.stderr


def test_json_output_when_all_valid() -> None:
    result = runner.invoke(app, ["validate", "--json", str(AURORA)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "valid": True,
        "files": [{"file": str(AURORA), "valid": True, "errors": []}],
    }


def test_a_room_id_used_in_two_files_exits_1(tmp_path: Path) -> None:
    copy = tmp_path / "aurora-copy.yaml"
    copy.write_text(AURORA.read_text().replace("id: term-hq-f1-aurora", "id: term-copy"))
    result = runner.invoke(app, ["validate", str(AURORA), str(copy)])
    assert result.exit_code == 1
    assert (
        f"{copy}:" in result.stderr
        and "room.id: 'hq-f1-aurora' is already used in" in result.stderr
    )


def test_a_missing_file_is_bad_input_not_usage(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml"), str(AURORA)])
    assert result.exit_code == 1
    assert "nope.yaml: file not found" in result.stderr


def test_no_files_is_a_usage_error() -> None:
    assert runner.invoke(app, ["validate"]).exit_code == 2
    assert runner.invoke(app, ["validate", "--jsn", str(AURORA)]).exit_code == 2


def test_python_dash_m_edge_runs_the_same_command(tmp_path: Path) -> None:
    bad, line = misspelled_kind(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "edge", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 1
    assert f"{bad}:{line}:" in done.stderr and "did you mean pir_motion" in done.stderr


# -- run: problems found before anything starts ------------------------------------


def test_run_refuses_speed_without_simulate() -> None:
    result = runner.invoke(app, ["run", "--config", str(BOREALIS), "--speed", "10"])
    assert result.exit_code == 2


def test_run_with_a_scenario_that_does_not_fit_the_config(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\nsteps:\n  - {at: 0, sensor: radar, action: 'on'}\n")
    result = runner.invoke(app, ["run", "--config", str(BOREALIS), "--simulate", str(scenario)])
    assert result.exit_code == 1
    assert f"{scenario}:3: steps[0].sensor: sensor 'radar' is not in" in result.stderr


def test_run_with_an_unset_password_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUORUM_MQTT_PASSWORD", raising=False)
    result = runner.invoke(app, ["run", "--config", str(AURORA), "--simulate", "meeting_room_day"])
    assert result.exit_code == 1
    assert "QUORUM_MQTT_PASSWORD, which is not set" in result.stderr


def test_run_with_a_start_in_the_future(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(
        app,
        [
            "run",
            "--config",
            str(BOREALIS),
            "--simulate",
            "huddle_room_day",
            "--start",
            "2999-01-01T00:00:00Z",
        ],
    )
    assert result.exit_code == 1
    assert "in the future" in result.stderr


def test_run_without_lgpio_tells_how_to_get_going() -> None:
    result = runner.invoke(app, ["run", "--config", str(BOREALIS)])
    assert result.exit_code == 1
    assert "quorum-rooms[pi]" in result.stderr and "--simulate SCENARIO" in result.stderr


def test_run_with_a_spool_another_process_holds(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite"
    held = Spool(path)
    try:
        result = runner.invoke(
            app,
            [
                "run",
                "--config",
                str(BOREALIS),
                "--simulate",
                "huddle_room_day",
                "--spool",
                str(path),
            ],
        )
    finally:
        held.close()
    assert result.exit_code == 1
    assert f"spool {path} is in use by another process" in result.stderr


def test_run_with_a_spool_that_cannot_be_created() -> None:
    path = "/proc/quorum/spool.sqlite"
    result = runner.invoke(
        app, ["run", "--config", str(BOREALIS), "--simulate", "huddle_room_day", "--spool", path]
    )
    assert result.exit_code == 1
    assert f"cannot open the spool {path}" in result.stderr and "--spool PATH" in result.stderr


def test_where_the_spool_lives(tmp_path: Path) -> None:
    config = load_terminal_config(AURORA)
    broker = BrokerAddress("localhost", 1883)
    assert _spool_path(config, str(AURORA), False, broker, "quorum") == Path(
        "/var/lib/quorum/spool-term-hq-f1-aurora.sqlite"
    )
    simulated = _spool_path(config, str(AURORA), True, broker, "quorum")
    assert simulated.name.startswith("term-hq-f1-aurora-") and simulated.suffix == ".sqlite"
    # The same set-up finds its spool again after a restart; another one never shares it.
    assert _spool_path(config, str(AURORA), True, broker, "quorum") == simulated
    assert _spool_path(config, str(AURORA), True, broker, "other") != simulated
    assert _spool_path(config, str(AURORA), True, BrokerAddress("localhost", 1884), "quorum") != (
        simulated
    )
    explicit = AURORA.read_text() + f"spool:\n  path: {tmp_path / 'mine.sqlite'}\n"
    (tmp_path / "t.yaml").write_text(explicit)
    mine = load_terminal_config(tmp_path / "t.yaml")
    assert (
        _spool_path(mine, str(tmp_path / "t.yaml"), True, broker, "quorum")
        == tmp_path / "mine.sqlite"
    )


def test_scenarios_lists_the_shipped_ones_as_json() -> None:
    result = runner.invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0
    names = [entry["name"] for entry in json.loads(result.stdout)]
    assert names == ["boardroom_day", "desk_cluster_day", "huddle_room_day", "meeting_room_day"]


# -- secrets -----------------------------------------------------------------------


def test_secret_references(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    assert resolve_secret(None, {}) is None
    assert resolve_secret("env:PW", {"PW": "hunter2"}) == "hunter2"
    assert resolve_secret(f"file:{secret}", {}) == "s3cret"
    with pytest.raises(CredentialError, match="PW, which is not set"):
        resolve_secret("env:PW", {})
    with pytest.raises(CredentialError, match="cannot be read"):
        resolve_secret(f"file:{tmp_path / 'missing'}", {})
    with pytest.raises(CredentialError, match="empty"):
        resolve_secret("env:PW", {"PW": ""})


# -- run --session: a labelled fusion session in its own room ---------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--session", "reading_alone", "--config", str(AURORA)],
        ["--session", "reading_alone", "--simulate", "meeting_room_day"],
        ["--config", str(AURORA), "--seed", "3"],
        [],
    ],
    ids=["with-config", "with-simulate", "seed-alone", "nothing"],
)
def test_run_refuses_session_options_that_do_not_go_together(args: list[str]) -> None:
    assert runner.invoke(app, ["run", *args]).exit_code == 2


def test_run_with_an_unknown_session_names_the_shipped_ones() -> None:
    result = runner.invoke(app, ["run", "--session", "reading_alon"])
    assert result.exit_code == 1
    assert "no shipped session of that name" in result.stderr
    assert "(did you mean reading_alone?)" in result.stderr
