"""What a ground-truth session file says: a room, its sensors, its bookings, and a timeline of
what really happens in it (who enters and leaves, what they do, the door, disturbances).

The format is documented in docs/occupancy-sessions.md. Like terminal configs and scenarios the
schema is strict (unknown keys are errors); :mod:`.loader` turns problems into FILE:LINE errors,
and :mod:`.truth` checks what only the whole timeline can tell (leaving more people than are in).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from contract.ids import Slug
from contract.units import Duration

#: What a person is doing; :mod:`.physics` says what each one looks like to every sensor.
ActivityName = Literal[
    "reading", "still", "typing", "talking", "lively", "phone", "walking", "cleaning"
]
ACTIVITIES: tuple[str, ...] = ActivityName.__args__  # type: ignore[attr-defined]

#: The room-level sensors a session's room may have (each at most once).
SensorName = Literal["pir", "presence", "door", "speech", "co2", "ld2450", "thermal", "door_beams"]
SENSORS: tuple[str, ...] = SensorName.__args__  # type: ignore[attr-defined]
COUNTERS = frozenset({"ld2450", "thermal", "door_beams"})

#: A desk sensor: a seat pad feels weight (a bag or jacket too), an under-desk radar sees a
#: breathing body (not a jacket), an under-desk PIR sees legs and hands move.
DeskSensor = Literal["seat_pad", "radar", "pir"]
DESK_SENSORS: tuple[str, ...] = DeskSensor.__args__  # type: ignore[attr-defined]


def _on_off(value: Any) -> Any:
    # YAML 1.1 tools read unquoted on/off as booleans: mean what the author wrote.
    if isinstance(value, bool):
        return "on" if value else "off"
    return value


OnOff = Annotated[Literal["on", "off"], BeforeValidator(_on_off)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeskSpec(_Strict):
    id: Slug
    sensor: DeskSensor


class RoomSpec(_Strict):
    kind: Literal["meeting_room", "desk_area"] = "meeting_room"
    capacity: int = Field(default=8, ge=1)
    # For CO2 only: a 4 x 4.7 x 2.7 m room is about 50 m³.
    volume_m3: float = Field(default=50.0, gt=0)
    air_changes_per_h: float = Field(default=2.0, gt=0)
    outdoor_co2_ppm: float = Field(default=420.0, ge=0)
    # A glass door or wall onto the corridor: passers-by are seen (PIR, radar) now and then.
    glass_door: bool = False
    door: Literal["open", "closed"] = "closed"  # at the start
    sensors: list[SensorName] = Field(min_length=1)
    desks: list[DeskSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "RoomSpec":
        for name in self.sensors:
            if self.sensors.count(name) > 1:
                raise ValueError(f"sensor {name!r} is listed twice")
        ids = [d.id for d in self.desks]
        for desk in ids:
            if ids.count(desk) > 1:
                raise ValueError(f"desk {desk!r} is listed twice")
        if self.kind == "desk_area" and not self.desks:
            raise ValueError("a desk_area room needs at least one desk")
        return self


class Booking(_Strict):
    start: Duration
    end: Duration

    @model_validator(mode="after")
    def _order(self) -> "Booking":
        if self.end <= self.start:
            raise ValueError("a booking's end must be later than its start")
        return self


Activity = ActivityName | dict[ActivityName, Annotated[int, Field(ge=1)]]


class Step(_Strict):
    """What happens at ``at``; applied in this order: leave, enter, activity, the rest."""

    at: Duration
    leave: Annotated[int, Field(ge=1)] | Literal["all"] | None = None
    enter: Annotated[int, Field(ge=1)] | None = None
    # A name: everyone in the room now (or only those entering, with ``enter``); a mapping
    # {activity: people}: everyone in the room, split (the numbers add up to the people in).
    activity: Activity | None = None
    door: Literal["open", "close"] | None = None
    desk: Slug | None = None  # the desk of the one person entering/leaving, or of the jacket
    jacket: OnOff | None = None  # a jacket or bag left on (on) or taken from (off) ``desk``
    ventilation: OnOff | None = None  # fans, a draught moving curtains, noisy air handling
    corridor: Annotated[int, Field(ge=1)] | None = None  # people passing outside the door
    over: Duration | None = None  # corridor: spread over this long (default 1 min)
    peek: Annotated[int, Field(ge=1)] | None = None  # people who open the door, look in, go
    note: str = ""  # for readers; ignored

    @model_validator(mode="after")
    def _rules(self) -> "Step":
        actions = (self.leave, self.enter, self.activity, self.door, self.jacket)
        if all(a is None for a in (*actions, self.ventilation, self.corridor, self.peek)):
            raise ValueError(
                "a step needs something to happen: enter, leave, activity, door, jacket, "
                "ventilation, corridor or peek"
            )
        if self.over is not None and self.corridor is None:
            raise ValueError("'over' only goes with 'corridor'")
        if self.jacket is not None and self.desk is None:
            raise ValueError("'jacket' needs 'desk: <desk id>'")
        if self.desk is not None and self.jacket is None and 1 not in (self.enter, self.leave):
            raise ValueError("'desk' goes with 'jacket', 'enter: 1' or 'leave: 1'")
        if isinstance(self.activity, dict) and self.enter is not None:
            raise ValueError("with 'enter', 'activity' is one name (what the newcomers do)")
        return self


class Session(_Strict):
    name: Slug
    description: str = ""
    start_time: str | None = None  # the time of day it plays at, for readers ("07:00")
    duration: Duration
    room: RoomSpec
    bookings: list[Booking] = Field(default_factory=list)
    timeline: list[Step] = Field(min_length=1)
