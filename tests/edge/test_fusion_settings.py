"""Fusion settings: defaults, files (JSON and YAML), terminal configurations, clear errors."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from contract.config_loader import ConfigError, load_terminal_config
from contract.fusion_config import DEFAULT_LIKELIHOODS, FusionSection, Likelihood
from contract.terminal_config import TerminalConfig
from edge.fusion.settings import FusionSensor, FusionSettings
from tests.edge.conftest import AURORA


def fitted() -> FusionSettings:
    """Settings as calibration would write them: some likelihoods and numbers changed."""
    return FusionSettings(
        tuning=FusionSection.model_validate(
            {
                "on_threshold": 0.8,
                "step": "10s",
                "likelihoods": {"pir": {"active": {"occupied": 0.2, "empty": 0.003}}},
                "co2": {"rising": 4.5},
            }
        ),
        sensors=(
            FusionSensor(id="pir", signal="pir"),
            FusionSensor(id="seat", signal="desk", desk="d1"),
            FusionSensor(id="radar", signal="count", saturates_at=3),
        ),
        desks=("d1",),
    )


@pytest.mark.parametrize("settings", [FusionSettings(), fitted()])
def test_settings_round_trip_through_json_and_yaml(settings: FusionSettings) -> None:
    assert FusionSettings.from_json(settings.to_json()) == settings
    assert FusionSettings.from_yaml(settings.to_yaml()) == settings


def test_settings_save_and_load_by_file_suffix(tmp_path: Path) -> None:
    for name in ("fusion.json", "fusion.yaml"):
        fitted().save(tmp_path / name)
        assert FusionSettings.load(tmp_path / name) == fitted()
    assert (tmp_path / "fusion.json").read_text().lstrip().startswith("{")


def test_a_partial_override_keeps_the_other_defaults() -> None:
    table = fitted().tuning.likelihoods
    assert table.pir.active == Likelihood(occupied=0.2, empty=0.003)
    assert table.pir.quiet == DEFAULT_LIKELIHOODS["pir"].quiet
    assert table.presence == DEFAULT_LIKELIHOODS["presence"]
    assert fitted().tuning.step == 10.0


def test_defaults_favour_the_right_state() -> None:
    for kind, pair in DEFAULT_LIKELIHOODS.items():
        assert pair.active.llr > 0, kind
        assert pair.quiet.llr <= 0, kind
    # Silence is weak: a quiet PIR step counts a fortieth of a pulse.
    assert -DEFAULT_LIKELIHOODS["pir"].quiet.llr < DEFAULT_LIKELIHOODS["pir"].active.llr / 30


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"likelihoods": {"pir": {"active": {"occupied": 0.004, "empty": 0.1}}}}, "swapped?"),
        ({"likelihoods": {"presence": {"quiet": {"occupied": 1.0, "empty": 0.5}}}}, "swapped?"),
        ({"likelihoods": {"pir": {"active": {"occupied": 1.5, "empty": 0.1}}}}, "less than or"),
        ({"likelihoods": {"pir": {"active": {"occupied": 0.5}}}}, "Field required"),
        ({"likelihoods": {"radio": {"active": {"occupied": 0.5, "empty": 0.1}}}}, "radio"),
        ({"likelihoods": {"pir": {"onset": {"occupied": 0.5, "empty": 0.4}}}}, "go together"),
        (
            {
                "likelihoods": {
                    "presence": {"held": {"occupied": 0.6, "empty": 0.5}, "held_after": 30}
                }
            },
            "longer than onset_for",
        ),
        ({"likelihoods": {"desk": {"held": {"occupied": 0.1, "empty": 0.5}}}}, "held: .*swapped"),
        ({"on_threshold": 0.3, "off_threshold": 0.5}, "must be below on_threshold"),
        ({"on_threshold": 0.995}, "below max_probability"),
        ({"off_threshold": 0.005}, "never turn vacant"),
        ({"occupied_stay": "2s"}, "at least one step"),
        ({"step": "5m"}, "less than or equal to 60"),
        ({"step": "soon"}, "is not a duration"),
    ],
)
def test_bad_tuning_is_refused_with_a_clear_message(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FusionSection.model_validate(data)


def test_bad_layouts_are_refused() -> None:
    with pytest.raises(ValidationError, match="not in desks"):
        FusionSettings(sensors=(FusionSensor(id="s", signal="desk", desk="d9"),))
    with pytest.raises(ValidationError, match="duplicate sensor id"):
        FusionSettings(sensors=(FusionSensor(id="s", signal="pir"),) * 2)
    with pytest.raises(ValidationError, match="only desk sensors"):
        FusionSettings(sensors=(FusionSensor(id="s", signal="pir", desk="d1"),), desks=("d1",))


def test_settings_from_a_terminal_configuration(
    aurora_config: TerminalConfig, east_desks_config: TerminalConfig
) -> None:
    aurora = FusionSettings.from_terminal_config(aurora_config)
    assert {(s.id, s.signal) for s in aurora.sensors} == {
        (s.id, {"pir_motion": "pir", "mmwave_presence": "presence", "door_contact": "door"}[s.kind])
        for s in aurora_config.sensors
    }
    assert aurora.tuning == FusionSection() and aurora.top_band == 3
    desks = FusionSettings.from_terminal_config(east_desks_config)
    assert len(desks.desks) == 6
    assert {s.desk for s in desks.sensors if s.signal == "desk"} == set(desks.desks)


def test_the_terminal_configuration_takes_a_fusion_section(tmp_path: Path) -> None:
    text = AURORA.read_text() + (
        "fusion:\n  off_threshold: 0.25\n  likelihoods:\n"
        "    speech: {active: {occupied: 0.3, empty: 0.05}}\n"
    )
    path = tmp_path / "room.yaml"
    path.write_text(text)
    settings = FusionSettings.from_terminal_config(load_terminal_config(path))
    assert settings.tuning.off_threshold == 0.25
    assert settings.tuning.likelihoods.speech.active.empty == 0.05


def test_a_bad_fusion_section_names_file_line_and_field(tmp_path: Path) -> None:
    lines = AURORA.read_text().splitlines()
    path = tmp_path / "room.yaml"
    path.write_text("\n".join([*lines, "fusion:", "  on_treshold: 0.8"]) + "\n")
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(path)
    problem = caught.value.problems[0]
    assert problem.line == len(lines) + 2
    assert problem.path.startswith("fusion")
    assert problem.suggestion == "on_threshold"
