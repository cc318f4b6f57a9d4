"""Writing a labelled recording as it happens, on the terminal (``calibrate record``).

The format is edge/fusion/recording.py's JSONL. Every line is written and flushed the moment it
is known, so a recording cut short by a power cut or Ctrl-C loses at most the line being
written, and ``calibrate fit`` reads it up to there. Times are seconds from the start of the
recording (the terminal's monotonic clock minus ``origin``).
"""

import json
from pathlib import Path
from typing import Any, TextIO

from edge.fusion.recording import end_line, label_line, room_line, signal_line
from edge.fusion.settings import FusionSettings
from edge.fusion.signals import Signal

#: What a person types to mark the room (case does not matter).
PRESENT_WORDS = frozenset({"p", "present", "in", "occupied", "1"})
ABSENT_WORDS = frozenset({"a", "absent", "out", "empty", "0"})
QUIT_WORDS = frozenset({"q", "quit", "end", "stop"})


class LabelError(ValueError):
    """Input that is not a label; the message says what is."""


def parse_label(text: str) -> bool | None:
    """True (present), False (absent) or None (finish the recording)."""
    word = text.strip().lower()
    if word in PRESENT_WORDS:
        return True
    if word in ABSENT_WORDS:
        return False
    if word in QUIT_WORDS:
        return None
    raise LabelError(
        f"{text.strip()!r} is not a label: type p (someone is in the room), "
        "a (the room is empty) or q (finish)"
    )


class RecordingWriter:
    """One recording into one file; ``close`` writes its end line."""

    def __init__(self, path: Path, name: str, settings: FusionSettings, origin: float) -> None:
        self.path = path
        self.origin = origin
        self.signals = 0
        self.labels: list[tuple[float, bool]] = []
        self._last = 0.0
        self._file: TextIO | None = path.open("x", encoding="utf-8")  # never overwrite
        self._write(room_line(name, settings.sensors, settings.desks))

    def signal(self, signal: Signal) -> None:
        at = self._at(signal.at)
        self._write(signal_line(Signal(**{**signal.__dict__, "at": at})))
        self.signals += 1

    def label(self, monotonic: float, occupied: bool) -> None:
        at = self._at(monotonic)
        self._write(label_line(at, occupied))
        self.labels.append((at, occupied))

    def close(self, monotonic: float) -> float:
        """Write the end line; returns the recording's length in seconds."""
        duration = self._at(monotonic)
        if self._file is not None:
            self._write(end_line(duration))
            self._file.close()
            self._file = None
        return duration

    @property
    def occupied(self) -> bool | None:
        """The label in force (None before the first)."""
        return self.labels[-1][1] if self.labels else None

    def _at(self, monotonic: float) -> float:
        # Lines must be in time order: something stamped a moment before the last line (a
        # sensor edge queued while a label was written) counts at the last line's time.
        self._last = max(self._last, round(monotonic - self.origin, 3))
        return self._last

    def _write(self, line: dict[str, Any]) -> None:
        if self._file is None:
            raise ValueError(f"{self.path}: the recording is closed")
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()
