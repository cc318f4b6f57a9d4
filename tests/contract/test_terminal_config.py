"""The terminal configuration schema and its located, suggestive errors."""

from datetime import time
from pathlib import Path

import pytest

from contract.config_loader import ConfigError, load_terminal_config, validate_files
from contract.units import parse_duration

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "firmware_configs").glob("*.yaml"))

VALID = """\
version: 1
terminal: {id: t1}
site: {id: hq, name: HQ}
building: {id: b1, name: Main}
floor: {id: f1, name: Floor 1}
room:
  id: r1
  name: Room one
  capacity: 6
  timezone: Europe/Berlin
  working_hours: {start: 08:30, end: "17:00"}
sensors:
  - {id: pir, kind: pir_motion, pin: 17}
occupancy: {room_hold: 4m30s}
"""


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shipped_examples_are_valid() -> None:
    configs, problems = validate_files(EXAMPLES)
    assert problems == []
    assert len({c.floor.id for c in configs}) >= 2
    assert any(c.desks for c in configs)


def test_values_are_coerced(tmp_path: Path) -> None:
    config = load_terminal_config(write(tmp_path, VALID))
    assert config.sensors[0].pin == "GPIO17"
    assert config.occupancy.room_hold == 270.0
    assert config.room.working_hours.start == time(
        8, 30
    )  # unquoted 08:30 is sexagesimal in YAML 1.1
    assert config.mqtt.protocol == "auto"  # defaults live in the schema


@pytest.mark.parametrize(
    ("old", "new", "line", "path", "suggestion"),
    [
        ("kind: pir_motion", "kind: pir_motoin", 13, "sensors[0].kind", "pir_motion"),
        ("pin: 17", "pin: GPI017", 13, "sensors[0].pin", "GPIO17"),
        ("timezone: Europe/Berlin", "timezone: Europe/Berln", 10, "room.timezone", "Europe/Berlin"),
        ("capacity: 6", "capacity: 6\n  capacty: 7", 10, "room.capacty", "capacity"),
        ("room_hold: 4m30s", "room_hold: soon", 14, "occupancy.room_hold", None),
    ],
)
def test_errors_name_file_line_path_and_suggestion(
    tmp_path, old, new, line, path, suggestion
) -> None:
    file = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(file)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path, problem.suggestion) == (
        str(file),
        line,
        path,
        suggestion,
    )
    assert str(problem).startswith(f"{file}:{line}: {path}: ")


def test_desk_sensor_must_name_a_listed_desk(tmp_path: Path) -> None:
    text = VALID + "desks: [{id: east-01}]\n"
    text = text.replace(
        "  - {id: pir, kind: pir_motion, pin: 17}",
        "  - {id: pir, kind: pir_motion, pin: 17}\n"
        "  - {id: ds, kind: desk_presence, pin: 5, desk: east-1}",
    )
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(write(tmp_path, text))
    [problem] = caught.value.problems
    assert (
        problem.path == "sensors[1].desk" and problem.line == 14 and problem.suggestion == "east-01"
    )


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(write(tmp_path, VALID.replace("sensors:", "sensors: [")))
    assert caught.value.problems[0].line is not None


def test_ids_must_be_unique_across_files(tmp_path: Path) -> None:
    a = write(tmp_path, VALID, "a.yaml")
    b = write(tmp_path, VALID.replace("id: t1", "id: t2"), "b.yaml")
    _, problems = validate_files([a, b])
    assert [(p.file, p.path, p.line) for p in problems] == [(str(b), "room.id", 7)]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("1h30m", 5400), (12, 12), ("250ms", 0.25), ("1.5", 1.5)],
)
def test_durations(text, seconds) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", -3, True, None])
def test_bad_durations(text) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_the_spool_section_is_optional_with_defaults_in_the_schema(tmp_path: Path) -> None:
    config = load_terminal_config(write(tmp_path, VALID))
    assert config.spool.path is None
    assert (config.spool.max_messages, config.spool.max_mb, config.spool.resend_after) == (
        50_000,
        64.0,
        30.0,
    )
    text = VALID + "spool: {path: /data/s.sqlite, max_messages: 500, max_mb: 2, resend_after: 1m}\n"
    spool = load_terminal_config(write(tmp_path, text)).spool
    assert (spool.path, spool.max_messages, spool.max_mb, spool.resend_after) == (
        "/data/s.sqlite",
        500,
        2.0,
        60.0,
    )


@pytest.mark.parametrize(
    ("section", "path", "suggestion"),
    [
        ("spool: {resend_afer: 10s}", "spool.resend_afer", "resend_after"),
        ("spool: {max_messages: 0}", "spool.max_messages", None),
        ("spool: {resend_after: 0s}", "spool.resend_after", None),
    ],
)
def test_spool_section_errors(tmp_path: Path, section: str, path: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(write(tmp_path, VALID + section + "\n"))
    [problem] = caught.value.problems
    assert (problem.path, problem.suggestion, problem.line) == (path, suggestion, 15)


def test_speech_is_off_by_default(tmp_path: Path) -> None:
    config = load_terminal_config(write(tmp_path, VALID))
    speech = config.speech
    assert not speech.enabled and not speech.record_audio and speech.activity
    assert speech.model == "tiny.en" and speech.microphone.channel == "mix"


def test_speech_section_is_coerced(tmp_path: Path) -> None:
    text = VALID + (
        "speech:\n  enabled: true\n  microphone: {device: 2, channel: left}\n"
        "  end_silence: 500ms\n  minutes_button: 26\n  language: zh\n"
    )
    speech = load_terminal_config(write(tmp_path, text)).speech
    assert speech.enabled and speech.microphone.device == 2
    assert speech.end_silence == 0.5 and speech.minutes_button == "GPIO26"
    assert speech.announce and speech.minutes_led is None and speech.off_record_button is None


def test_consent_light_and_off_record_button_are_pins(tmp_path: Path) -> None:
    text = VALID + (
        "speech:\n  minutes_button: 26\n  off_record_button: GPIO19\n  minutes_led: 13\n"
        "  announce: false\n"
    )
    speech = load_terminal_config(write(tmp_path, text)).speech
    assert (speech.off_record_button, speech.minutes_led) == ("GPIO19", "GPIO13")
    assert not speech.announce


def test_voice_commands_are_on_with_speech_and_their_pins_are_optional(tmp_path: Path) -> None:
    speech = load_terminal_config(write(tmp_path, VALID + "speech:\n  enabled: true\n")).speech
    assert speech.voice_commands and speech.wake_phrases is None  # the language's defaults
    assert (speech.talk_button, speech.mute_switch, speech.mute_led, speech.voice_led) == (
        None,
        None,
        None,
        None,
    )
    text = VALID + (
        "speech:\n  talk_button: 5\n  mute_switch: GPIO6\n  mute_led: 12\n  voice_led: 16\n"
        "  wake_phrases: ['hey  aurora', 你好会议室]\n"
    )
    speech = load_terminal_config(write(tmp_path, text)).speech
    assert (speech.talk_button, speech.mute_switch) == ("GPIO5", "GPIO6")
    assert (speech.mute_led, speech.voice_led) == ("GPIO12", "GPIO16")
    assert speech.wake_phrases == ["hey aurora", "你好会议室"]
    no_wake = VALID + "speech:\n  wake_phrases: []\n  voice_commands: false\n"
    speech = load_terminal_config(write(tmp_path, no_wake)).speech
    assert speech.wake_phrases == [] and not speech.voice_commands  # push-to-talk only


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ("speech:\n  minutes_button: 17\n", "speech.minutes_button"),
        ("speech:\n  minutes_led: 17\n", "speech.minutes_led"),
        ("speech:\n  off_record_button: 17\n", "speech.off_record_button"),
        ("speech:\n  minutes_button: 26\n  minutes_led: 26\n", "speech.minutes_led"),
        (
            "speech:\n  minutes_button: 26\n  off_record_button: 26\n",
            "speech.off_record_button",
        ),
        ("speech:\n  talk_button: 17\n", "speech.talk_button"),
        ("speech:\n  minutes_button: 26\n  talk_button: 26\n", "speech.talk_button"),
        ("speech:\n  talk_button: 5\n  mute_switch: 5\n", "speech.mute_switch"),
        ("speech:\n  mute_switch: 6\n  mute_led: 6\n", "speech.mute_led"),
        ("speech:\n  minutes_led: 13\n  voice_led: 13\n", "speech.voice_led"),
        ("speech:\n  wake_phrases: ['!!']\n", "speech.wake_phrases[0]"),
        ("speech:\n  voice_commands: maybe\n", "speech.voice_commands"),
        ("speech:\n  microphone: {channel: both}\n", "speech.microphone.channel"),
        ("speech:\n  language: English\n", "speech.language"),
        ("speech:\n  record_audoi: true\n", "speech.record_audoi"),
    ],
)
def test_bad_speech_sections_are_located(tmp_path: Path, extra: str, path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(write(tmp_path, VALID + extra))
    assert any(path in str(p) for p in caught.value.problems), caught.value.problems


def test_the_occupancy_estimator_defaults_to_fusion(tmp_path: Path) -> None:
    assert load_terminal_config(write(tmp_path, VALID)).occupancy.estimator == "fusion"
    text = VALID.replace("{room_hold: 4m30s}", "{estimator: holds, room_hold: 4m30s}")
    assert load_terminal_config(write(tmp_path, text)).occupancy.estimator == "holds"


def test_an_unknown_estimator_is_named_with_its_choices(tmp_path: Path) -> None:
    text = VALID.replace("{room_hold: 4m30s}", "{estimator: bayes}")
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(write(tmp_path, text))
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("occupancy.estimator", 14)
    assert "'fusion'" in problem.message and "'holds'" in problem.message
