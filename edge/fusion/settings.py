"""What the fusion estimator is told: the tunable numbers and the room's sensors and desks.

A plain pydantic model, saved and loaded as JSON or YAML, so that calibration (issue 8, step 3)
can write fitted likelihoods to a file and a terminal, a test or the evaluation harness can load
it. Build one from a terminal configuration with :meth:`FusionSettings.from_terminal_config`.
"""

import io
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from ruamel.yaml import YAML

from contract.fusion_config import FusionSection
from contract.terminal_config import SensorKind, TerminalConfig

#: The signal kinds a configured sensor produces (see edge/fusion/signals.py).
SensorSignal = Literal["pir", "presence", "door", "desk", "count"]

SIGNAL_OF_KIND: dict[SensorKind, SensorSignal] = {
    SensorKind.PIR_MOTION: "pir",
    SensorKind.MMWAVE_PRESENCE: "presence",
    SensorKind.DOOR_CONTACT: "door",
    SensorKind.DESK_PRESENCE: "desk",
    SensorKind.MMWAVE_TARGETS: "count",
    SensorKind.THERMAL_ARRAY: "count",
    SensorKind.DOOR_BEAMS: "count",
}
#: Counters that cannot tell more people than this (an LD2450 tracks three targets).
SATURATES_AT: dict[SensorKind, int] = {SensorKind.MMWAVE_TARGETS: 3}

#: Density's bands 0/1/2/3+, and the finer top when a counter can count further.
DEFAULT_TOP_BAND = 3
FINE_TOP_BAND = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FusionSensor(_Strict):
    id: str = Field(min_length=1)
    signal: SensorSignal
    desk: str | None = None  # desk sensors: the desk they watch
    saturates_at: int | None = Field(default=None, ge=1)  # counters: "n or more"
    # counters: the count is ins minus outs at the door (a memory, not a sighting)
    accumulates: bool = False


class FusionSettings(_Strict):
    tuning: FusionSection = Field(default_factory=FusionSection)
    # Sensors known in advance: a configured PIR that never pulses is evidence (silence); one
    # not listed counts only once it has said something.
    sensors: tuple[FusionSensor, ...] = ()
    desks: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _layout(self) -> "FusionSettings":
        ids = [s.id for s in self.sensors]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate sensor id(s): {', '.join(duplicates)}")
        for sensor in self.sensors:
            if sensor.signal == "desk":
                if sensor.desk is None:
                    raise ValueError(f"desk sensor {sensor.id!r} needs 'desk: <desk id>'")
                if sensor.desk not in self.desks:
                    raise ValueError(
                        f"desk sensor {sensor.id!r} watches {sensor.desk!r}, which is not in "
                        f"desks ({', '.join(self.desks) or 'none listed'})"
                    )
            elif sensor.desk is not None:
                raise ValueError(
                    f"only desk sensors name a desk ({sensor.id!r} is {sensor.signal})"
                )
        return self

    @classmethod
    def from_terminal_config(cls, config: TerminalConfig) -> "FusionSettings":
        sensors = tuple(
            FusionSensor(
                id=s.id,
                signal=SIGNAL_OF_KIND[s.kind],
                desk=s.desk,
                saturates_at=SATURATES_AT.get(s.kind),
                accumulates=s.kind is SensorKind.DOOR_BEAMS,
            )
            for s in config.sensors
            if s.kind in SIGNAL_OF_KIND  # CO2: one room-wide slope, whatever the sensor
        )
        return cls(tuning=config.fusion, sensors=sensors, desks=tuple(d.id for d in config.desks))

    @property
    def top_band(self) -> int:
        """The highest band ("top or more"): configured, else 3, or 5 with a fine counter."""
        if self.tuning.top_band is not None:
            return self.tuning.top_band
        fine = any(s.signal == "count" and s.saturates_at is None for s in self.sensors)
        return FINE_TOP_BAND if fine else DEFAULT_TOP_BAND

    def sensor(self, sensor_id: str) -> FusionSensor | None:
        return next((s for s in self.sensors if s.id == sensor_id), None)

    # -- files ---------------------------------------------------------------------

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> "FusionSettings":
        return cls.model_validate(json.loads(text))

    def to_yaml(self) -> str:
        out = io.StringIO()
        _yaml().dump(self.model_dump(mode="json"), out)
        return out.getvalue()

    @classmethod
    def from_yaml(cls, text: str) -> "FusionSettings":
        data: Any = _yaml().load(text)
        return cls.model_validate(data or {})

    def save(self, path: str | Path) -> None:
        """Write JSON for ``.json``, YAML otherwise."""
        path = Path(path)
        path.write_text(self.to_json() if path.suffix == ".json" else self.to_yaml())

    @classmethod
    def load(cls, path: str | Path) -> "FusionSettings":
        path = Path(path)
        text = path.read_text()
        return cls.from_json(text) if path.suffix == ".json" else cls.from_yaml(text)


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    return yaml
