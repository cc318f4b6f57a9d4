"""The minutes session: microphone in, transcript segments out, through the spool.

One session at a time. :meth:`Minutes.start` opens the audio source and runs the speech
pipeline on it in a thread of its own; every segment becomes a ``transcript`` message,
sent through the terminal's :class:`~edge.publisher.Publisher` (so it is spooled on disk
before it is published, and never dropped). :meth:`Minutes.stop` closes the source: the
pipeline flushes the utterance under way, and the thread publishes the last segments and
the ``minutes_session`` stop.

Audio lives in memory only. When the operator set ``speech.record_audio``, the session's
audio is also written to a WAV file (``edge.recording``), and a warning says so at start.

Nothing here blocks the caller for long: commands arrive on paho's network thread and the
button's on gpiozero's, so start and stop only open or close the source and return.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np

from common.clock import Clock
from contract.commands import MinutesCommand
from contract.envelope import new_boot_id
from contract.messages import MinutesReason, MinutesSessionData, TranscriptData
from edge.publisher import Publisher
from edge.recording import RecordingSource
from speech.audio.source import AudioSource
from speech.segments import Segment

log = logging.getLogger(__name__)

#: ``on_activity(active, at_s)``: speech began or ended ``at_s`` seconds into the audio.
ActivityCallback = Callable[[bool, float], None]
# How long close() waits for a session to flush its last utterance on shutdown.
CLOSE_WAIT_S = 30.0


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

    @classmethod
    def from_command(cls, command: MinutesCommand) -> "SessionOptions":
        return cls(
            reason="hub_command",
            title=command.title,
            roster=tuple(command.roster),
            language=command.language,
            booking_occurrence_id=command.booking_occurrence_id,
        )


SourceFactory = Callable[[], AudioSource]
PipelineFactory = Callable[[SessionOptions, ActivityCallback], Pipeline]


class ActivityFlag:
    """Publishes ``speech_activity`` when the flag changes (and only then)."""

    def __init__(self, publisher: Publisher, enabled: bool = True) -> None:
        self._publisher = publisher
        self._enabled = enabled
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


@dataclass
class _Session:
    id: str
    options: SessionOptions
    started_at: datetime
    source: AudioSource
    recording: Path | None
    segments: int = 0  # final segments published
    stop_reason: MinutesReason | None = None  # set by stop(); None while it runs
    thread: threading.Thread | None = None
    done: threading.Event = field(default_factory=threading.Event)


class Minutes:
    """Starts and stops minutes sessions; one at a time."""

    def __init__(
        self,
        publisher: Publisher,
        clock: Clock,
        open_source: SourceFactory,
        make_pipeline: PipelineFactory,
        *,
        activity: ActivityFlag | None = None,
        record_dir: Path | None = None,
        listener: Listener | None = None,
    ) -> None:
        self._publisher = publisher
        self._builder = publisher.builder
        self._clock = clock
        self._open_source = open_source
        self._make_pipeline = make_pipeline
        self._activity = activity
        # None: audio is never written anywhere (the default).
        self._record_dir = record_dir
        # Listens for speech activity between sessions; a session takes the microphone over.
        self._listener = listener
        self._lock = threading.Lock()
        self._session: _Session | None = None

    @property
    def running(self) -> bool:
        with self._lock:
            return self._session is not None

    @property
    def session_id(self) -> str | None:
        with self._lock:
            return None if self._session is None else self._session.id

    def handle(self, command: MinutesCommand) -> None:
        """A ``cmd/minutes`` command from the hub."""
        if command.action == "start":
            self.start(SessionOptions.from_command(command))
        else:
            self.stop("hub_command")

    def toggle(self) -> None:
        """The minutes button: start a session, or stop the one running."""
        if self.running:
            self.stop("button")
        else:
            self.start(SessionOptions(reason="button"))

    def start(self, options: SessionOptions) -> bool:
        """Start a session; False (and a log line) if one runs or the audio cannot open."""
        with self._lock:
            if self._session is not None:
                log.info(
                    "minutes: start (%s) ignored: session %s is running",
                    options.reason,
                    self._session.id,
                )
                return False
            session_id = new_boot_id()
            started_at = self._clock.now()
            if self._listener is not None:
                self._listener.pause()
            try:
                source = self._open_source()
            except Exception as exc:  # AudioError, or PortAudio missing: tell the hub why
                log.error("minutes: cannot open the audio source: %s", exc)
                self._failed_start(session_id, options, started_at, exc)
                if self._listener is not None:
                    self._listener.resume()
                return False
            recording = None
            if self._record_dir is not None:
                recording = self._record_dir / f"minutes-{session_id}.wav"
                source = RecordingSource(source, recording)
                log.warning(
                    "minutes: RECORDING IS ON (speech.record_audio): session %s audio is written"
                    " to %s",
                    session_id,
                    recording,
                )
            session = _Session(session_id, options, started_at, source, recording)
            self._session = session
            self._publish_state(session, "started", options.reason)
            log.info("minutes: session %s started (%s)", session_id, options.reason)
            session.thread = threading.Thread(
                target=self._run, args=(session,), name=f"minutes-{session_id}", daemon=True
            )
            session.thread.start()
            return True

    def stop(self, reason: MinutesReason) -> bool:
        """Ask the running session to stop; False (and a log line) if none runs.

        Returns at once: the session's thread flushes the last utterance and publishes the stop.
        """
        with self._lock:
            session = self._session
            if session is None or session.stop_reason is not None:
                state = "no session is running" if session is None else "the session is stopping"
                log.info("minutes: stop (%s) ignored: %s", reason, state)
                return False
            session.stop_reason = reason
        log.info("minutes: stopping session %s (%s)", session.id, reason)
        session.source.close()  # ends blocks(); the pipeline flushes what it holds
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no session runs (tests, shutdown)."""
        with self._lock:
            session = self._session
        return session is None or session.done.wait(timeout)

    def close(self) -> None:
        """Stop a running session (reason ``shutdown``) and wait for its last messages."""
        self.stop_if_running("shutdown")
        if not self.wait_idle(CLOSE_WAIT_S):
            log.warning("minutes: the session did not finish within %.0f s", CLOSE_WAIT_S)

    def stop_if_running(self, reason: MinutesReason) -> None:
        with self._lock:
            running = self._session is not None and self._session.stop_reason is None
        if running:
            self.stop(reason)

    # -- the session's thread ------------------------------------------------------

    def _run(self, session: _Session) -> None:
        error: Exception | None = None
        try:
            on_activity = partial(self._on_activity, session)
            pipeline = self._make_pipeline(session.options, on_activity)
            for segment in pipeline.run(session.source):
                self._publish_segment(session, segment)
        except Exception as exc:  # the pipeline or the audio failed: stop, and say why
            error = exc
            log.exception("minutes: session %s failed", session.id)
        finally:
            session.source.close()
            if self._activity is not None:
                self._activity.set(False, self._clock.now())
            with self._lock:
                # A failure wins over the stop that was asked for: the hub should know.
                reason: MinutesReason = (
                    "error" if error is not None else session.stop_reason or "audio_ended"
                )
                self._publish_state(session, "stopped", reason, error)
                self._session = None
            if self._listener is not None and reason != "shutdown":
                self._listener.resume()
            session.done.set()
            log.info(
                "minutes: session %s stopped (%s), %d segment(s)%s",
                session.id,
                reason,
                session.segments,
                f"; audio kept in {session.recording}" if session.recording else "",
            )

    def _publish_segment(self, session: _Session, segment: Segment) -> None:
        text = segment.text.strip()
        if segment.final and not text:
            return  # nothing said: no segment, and no index used
        data = TranscriptData(
            session=session.id,
            segment=session.segments,
            start_s=round(max(0.0, segment.start), 3),  # milliseconds are plenty
            end_s=round(max(segment.start, segment.end, 0.0), 3),
            started_at=session.started_at,
            text=text,
            final=segment.final,
            language=_language(segment.language),
        )
        ts = session.started_at + timedelta(seconds=data.end_s)
        self._publisher.send(partial(self._builder.transcript, data, ts))
        if segment.final:
            session.segments += 1

    def _on_activity(self, session: _Session, active: bool, at_s: float) -> None:
        if self._activity is not None:
            self._activity.set(active, session.started_at + timedelta(seconds=max(0.0, at_s)))

    def _publish_state(
        self,
        session: _Session,
        state: str,
        reason: MinutesReason,
        error: Exception | None = None,
    ) -> None:
        stopped = state == "stopped"
        options = session.options
        data = MinutesSessionData(
            session=session.id,
            state="stopped" if stopped else "started",
            reason=reason,
            started_at=session.started_at,
            stopped_at=self._clock.now() if stopped else None,
            segments=session.segments if stopped else None,
            title=None if stopped else options.title,
            language=None if stopped else options.language,
            booking_occurrence_id=options.booking_occurrence_id,
            recording=session.recording is not None,
            detail=_detail(error),
        )
        ts = data.stopped_at or session.started_at
        self._publisher.send(partial(self._builder.minutes_session, data, ts))

    def _failed_start(
        self, session_id: str, options: SessionOptions, at: datetime, exc: Exception
    ) -> None:
        """A start that could not open the audio: the hub sees a session that failed at once."""
        session = _Session(session_id, options, at, _NoAudio(), None)
        self._publish_state(session, "started", options.reason)
        self._publish_state(session, "stopped", "error", exc)


class _NoAudio:
    def blocks(self) -> Iterator[np.ndarray]:
        return iter(())

    def close(self) -> None:
        pass


def _language(code: str | None) -> str | None:
    # Whisper's codes are 2-3 lowercase letters; anything else is not worth a dead letter.
    if code and 2 <= len(code) <= 3 and code.isascii() and code.isalpha() and code.islower():
        return code
    return None


def _detail(error: Exception | None) -> str | None:
    if error is None:
        return None
    return f"{type(error).__name__}: {error}"[:500]
