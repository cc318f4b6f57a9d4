"""Labelled recordings: what a room's sensors said, and when a person marked it present or absent.

Calibration (edge/fusion/calibrate.py) fits likelihoods from these. A recording comes from a
simulated session (:func:`from_played`, with the session's ground truth as labels) or from a
terminal on which someone pressed present/absent; either way it is stored as JSONL, one object
a line, so a recording cut short by a power cut is still readable up to its last full line:

    {"type": "room", "name": "...", "sensors": [...], "desks": [...]}   starts a recording
    {"type": "signal", "kind": "pir", "source": "pir", "at": 12.0, "value": 1.0, ...}
    {"type": "label", "at": 0.0, "occupied": false}     the state from then on
    {"type": "end", "at": 3600.0}                       the recording's length

Several recordings may follow one another in one file. Times are seconds from the recording's
start; signals and labels in time order.
"""

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from edge.fusion.sessions.play import Played, terminal_config
from edge.fusion.settings import FusionSensor, FusionSettings
from edge.fusion.signals import Signal, SignalKind

SIGNAL_KINDS: tuple[str, ...] = SignalKind.__args__  # type: ignore[attr-defined]


class RecordingError(ValueError):
    """A recording file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Recording:
    name: str
    sensors: tuple[FusionSensor, ...]
    desks: tuple[str, ...]
    signals: list[Signal]  # in time order
    labels: list[tuple[float, bool]]  # (from, occupied), in time order
    duration: float

    def occupied_at(self, t: float) -> bool | None:
        """The label in force at ``t`` (None before the first one)."""
        state = None
        for at, occupied in self.labels:
            if at > t:
                break
            state = occupied
        return state


def from_played(played: Played) -> Recording:
    """A simulated session as a recording: the truth's changes of "anyone in" are the labels."""
    truth = played.loaded.truth
    settings = FusionSettings.from_terminal_config(terminal_config(played.loaded.session))
    labels: list[tuple[float, bool]] = []
    for t in range(truth.duration_s):
        occupied = truth.count_at(t) > 0
        if not labels or labels[-1][1] != occupied:
            labels.append((float(t), occupied))
    return Recording(
        name=f"{played.name}/{played.seed}",
        sensors=settings.sensors,
        desks=settings.desks,
        signals=list(played.signals),
        labels=labels,
        duration=float(truth.duration_s),
    )


def dump_jsonl(recordings: Iterable[Recording]) -> str:
    lines: list[dict[str, Any]] = []
    for rec in recordings:
        lines.append(room_line(rec.name, rec.sensors, rec.desks))
        events: list[tuple[float, int, dict[str, Any]]] = []
        for signal in rec.signals:
            events.append((signal.at, 1, signal_line(signal)))
        for at, occupied in rec.labels:
            events.append((at, 0, label_line(at, occupied)))
        lines += [e for _, _, e in sorted(events, key=lambda e: (e[0], e[1]))]
        lines.append(end_line(rec.duration))
    return "".join(json.dumps(line) + "\n" for line in lines)


def room_line(name: str, sensors: Iterable[FusionSensor], desks: Iterable[str]) -> dict[str, Any]:
    sensor_list = [s.model_dump(mode="json") for s in sensors]
    return {"type": "room", "name": name, "sensors": sensor_list, "desks": list(desks)}


def signal_line(signal: Signal) -> dict[str, Any]:
    return {"type": "signal", **asdict(signal)}


def label_line(at: float, occupied: bool) -> dict[str, Any]:
    return {"type": "label", "at": at, "occupied": occupied}


def end_line(at: float) -> dict[str, Any]:
    return {"type": "end", "at": at}


def load_jsonl(path: Path) -> list[Recording]:
    """Every recording in the file; RecordingError names the first bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read: {exc.strerror or exc}") from None
    builder: _Builder | None = None
    out: list[Recording] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            line = json.loads(raw)
            kind = line["type"] if isinstance(line, dict) else None
            if kind == "room":
                builder = _Builder(line)
            elif builder is None:
                raise RecordingError("a recording starts with a 'room' line")
            elif kind == "end":
                out.append(builder.finish(float(line["at"])))
                builder = None
            else:
                builder.add(kind, line)
        except RecordingError as exc:
            raise RecordingError(f"{where}: {exc}") from None
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise RecordingError(f"{where}: not a recording line: {reason}") from None
    if builder is not None:
        # Cut short (a power cut): keep it up to its last event.
        out.append(builder.finish(None))
    if not out:
        raise RecordingError(f"{path}: no recording in the file")
    return out


class _Builder:
    def __init__(self, line: dict[str, Any]) -> None:
        self.name = str(line["name"])
        self.sensors = tuple(FusionSensor.model_validate(s) for s in line.get("sensors", []))
        self.desks = tuple(str(d) for d in line.get("desks", []))
        self.signals: list[Signal] = []
        self.labels: list[tuple[float, bool]] = []
        self.last = 0.0

    def add(self, kind: object, line: dict[str, Any]) -> None:
        at = float(line["at"])
        if at < self.last:
            raise RecordingError(f"time {at} goes backwards (after {self.last})")
        self.last = at
        if kind == "label":
            if not isinstance(line["occupied"], bool):
                raise RecordingError("'occupied' is true or false")
            self.labels.append((at, line["occupied"]))
        elif kind == "signal":
            fields = {k: v for k, v in line.items() if k != "type"}
            if fields.get("kind") not in SIGNAL_KINDS:
                raise RecordingError(f"unknown signal kind {fields.get('kind')!r}")
            fields["value"] = float(fields["value"])
            self.signals.append(Signal(**fields))
        else:
            raise RecordingError(f"unknown line type {kind!r} (room, signal, label, end)")

    def finish(self, end: float | None) -> Recording:
        if not self.labels:
            raise RecordingError(f"recording {self.name!r} has no label")
        duration = end if end is not None else self.last
        return Recording(self.name, self.sensors, self.desks, self.signals, self.labels, duration)
