"""What the minutes session is made of and plugged into: the options of a start, the
pipeline and listener it drives, and the speech-activity flag it keeps."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Protocol

from contract.commands import MinutesCommand, RosterPerson
from contract.messages import MinutesReason
from edge.publisher import Publisher
from speech.audio.source import AudioSource
from speech.segments import Segment

#: ``on_activity(active, at_s)``: speech began or ended ``at_s`` seconds into the audio.
ActivityCallback = Callable[[bool, float], None]


class Listener(Protocol):
    """``edge.speech_listener.ActivityListener`` fits."""

    def pause(self) -> None: ...

    def resume(self) -> None: ...


class Pipeline(Protocol):
    """The speech pipeline (``speech.streaming.StreamingTranscriber`` fits)."""

    def run(self, source: AudioSource) -> Iterator[Segment]: ...


@dataclass(frozen=True)
class SessionOptions:
    """What a start asks for: hints for the transcriber and where the session belongs."""

    reason: MinutesReason
    title: str | None = None
    roster: tuple[str, ...] = ()
    language: str = "auto"
    booking_occurrence_id: int | None = None
    # For the minutes: owners of action items, and the day due dates count from.
    people: tuple[RosterPerson, ...] = ()
    meeting_start: datetime | None = None

    @classmethod
    def from_command(cls, command: MinutesCommand) -> "SessionOptions":
        return cls(
            reason="hub_command",
            title=command.title,
            roster=tuple(command.roster),
            language=command.language,
            booking_occurrence_id=command.booking_occurrence_id,
            people=tuple(command.people),
            meeting_start=command.meeting_start,
        )


SourceFactory = Callable[[], AudioSource]
PipelineFactory = Callable[[SessionOptions, ActivityCallback], Pipeline]


#: ``on_change(active, at)``: the flag changed at wall time ``at`` (occupancy fusion hears it).
FlagListener = Callable[[bool, datetime], None]


class ActivityFlag:
    """Publishes ``speech_activity`` when the flag changes (and only then), and tells
    ``on_change`` (the terminal's occupancy engine, in-process)."""

    def __init__(
        self, publisher: Publisher, enabled: bool = True, on_change: FlagListener | None = None
    ) -> None:
        self._publisher = publisher
        self._enabled = enabled
        self._on_change = on_change
        self._active = False
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self._active

    def set(self, active: bool, at: datetime) -> None:
        with self._lock:
            if not self._enabled or active == self._active:
                return
            self._active = active
            self._publisher.send(partial(self._publisher.builder.speech_activity, active, at))
            if self._on_change is not None:
                self._on_change(active, at)
