"""The minutes session: microphone in, transcript segments out, through the spool.

One session at a time. :meth:`Minutes.start` opens the audio source and runs the speech
pipeline on it in a thread of its own; every segment becomes a ``transcript`` message,
sent through the terminal's :class:`~edge.publisher.Publisher` (so it is spooled on disk
before it is published, and never dropped). :meth:`Minutes.stop` closes the source: the
pipeline flushes the utterance under way, and the thread publishes the last segments and
the ``minutes_session`` stop.

Audio lives in memory only. When the operator set ``speech.record_audio``, the session's
audio is also written to a WAV file (``edge.recording``), and a warning says so at start.

Around that: consent (``edge.consent``: a light and a spoken announcement at start),
off the record (:meth:`Minutes.pause`/:meth:`Minutes.resume`, ``edge.minutes_capture``), the
minutes made at the stop (``edge.minutes_extract``) and deleting a session
(``edge.minutes_delete``).

Nothing here blocks the caller for long: commands arrive on paho's network thread and the
button's on gpiozero's, so start and stop only open or close the source and return.
"""

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np

from common.clock import Clock
from contract.commands import MinutesCommand
from contract.envelope import new_boot_id
from contract.messages import MinutesReason, MinutesSessionData, MinutesState, TranscriptData
from edge.consent import Consent
from edge.minutes_capture import OFF_RECORD, CaptureGate, CapturePaused
from edge.minutes_delete import SessionEraser
from edge.minutes_extract import Extractor, extract_minutes, make_minutes
from edge.minutes_types import (
    ActivityCallback,
    ActivityFlag,
    Listener,
    Pipeline,
    PipelineFactory,
    SessionOptions,
    SourceFactory,
)
from edge.publisher import Publisher
from edge.recording import WavWriter, recording_path
from speech.segments import Segment

__all__ = [
    "ActivityCallback",
    "ActivityFlag",
    "Listener",
    "Minutes",
    "Pipeline",
    "SessionOptions",
]

log = logging.getLogger(__name__)

# How long close() waits for a session to flush its last utterance on shutdown.
CLOSE_WAIT_S = 30.0


@dataclass
class _Session:
    id: str
    options: SessionOptions
    started_at: datetime
    gate: CaptureGate
    recording: Path | None
    segments: int = 0  # final segments published
    stop_reason: MinutesReason | None = None  # set by stop(); None while it runs
    paused: bool = False  # off the record
    extract: bool = True  # make minutes at the stop (not when the session is being deleted)
    # (text, start_s, language) of every final segment: what the minutes are made of.
    said: list[tuple[str, float, str | None]] = field(default_factory=list)
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
        consent: Consent | None = None,
        extract: Extractor | None = extract_minutes,
        eraser: SessionEraser | None = None,
        default_language: str = "auto",
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
        self._consent = consent or Consent()
        self._extract = extract  # None: no minutes are made
        self._eraser = eraser or SessionEraser(publisher.purge_session, record_dir)
        self._default_language = default_language  # the config's; a command may override it
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

    @property
    def roster(self) -> tuple[str, ...]:
        """The names of the people in the running session (none without one)."""
        with self._lock:
            return () if self._session is None else self._session.options.roster

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._session is not None and self._session.paused

    def handle(self, command: MinutesCommand) -> None:
        """A ``cmd/minutes`` command from the hub."""
        if command.action == "start":
            self.start(SessionOptions.from_command(command))
        elif command.action == "stop":
            self.stop("hub_command")
        elif command.action == "pause":
            self.pause("hub_command")
        elif command.action == "resume":
            self.resume("hub_command")
        else:
            assert command.session is not None  # the contract requires it for a delete
            self.delete(command.session)

    def toggle_off_record(self) -> None:
        """The off-the-record button: pause the session, or resume it."""
        if self.paused:
            self.resume("button")
        else:
            self.pause("button")

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
            recording = writer = None
            if self._record_dir is not None:
                recording = recording_path(self._record_dir, session_id)
                writer = WavWriter(recording)
                log.warning(
                    "minutes: RECORDING IS ON (speech.record_audio): session %s audio is written"
                    " to %s",
                    session_id,
                    recording,
                )
            gate = CaptureGate(source, writer)
            session = _Session(session_id, options, started_at, gate, recording)
            self._session = session
            self._publish_state(session, "started", options.reason)
            log.info("minutes: session %s started (%s)", session_id, options.reason)
            self._consent.capturing()
            language = options.language if options.language != "auto" else self._default_language
            self._consent.announce(language, gate)  # capture is held while it plays
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
        session.gate.close()  # ends blocks(); the pipeline flushes what it holds
        return True

    def pause(self, reason: MinutesReason) -> bool:
        """Off the record: drop the microphone's blocks and the utterance under way until
        :meth:`resume`. False (and a log line) without a running, capturing session."""
        with self._lock:
            session = self._session
            if session is None or session.stop_reason is not None or session.paused:
                why = "no session is running" if session is None else "not capturing"
                log.info("minutes: pause (%s) ignored: %s", reason, why)
                return False
            session.paused = True
            session.gate.hold(OFF_RECORD)
            self._publish_state(session, "paused", reason)
        self._consent.paused()
        log.info("minutes: session %s off the record (%s)", session.id, reason)
        return True

    def resume(self, reason: MinutesReason) -> bool:
        """Back on the record; False (and a log line) unless a session is paused."""
        with self._lock:
            session = self._session
            if session is None or session.stop_reason is not None or not session.paused:
                log.info("minutes: resume (%s) ignored: no session is paused", reason)
                return False
            session.paused = False
            session.gate.release(OFF_RECORD)
            self._publish_state(session, "resumed", reason)
        self._consent.capturing()
        log.info("minutes: session %s back on the record (%s)", session.id, reason)
        return True

    def delete(self, session_id: str) -> None:
        """Forget ``session_id``: stop it if it runs (no minutes), purge its unconfirmed
        messages from the spool, delete its recording, answer ``minutes_deleted``. An unknown
        session is answered too (with zeros): the hub repeats the command until it hears."""
        with self._lock:
            session = self._session
            if session is not None and session.id == session_id:
                session.extract = False
            else:
                session = None
        if session is not None:
            self.stop_if_running("hub_command")
            if not session.done.wait(CLOSE_WAIT_S):
                log.warning("minutes: session %s did not stop before its delete", session_id)
        data = self._eraser.erase(session_id)
        self._publisher.send(partial(self._builder.minutes_deleted, data, self._clock.now()))

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
            # A fresh pipeline each time capture (re)starts: a pause drops what it held.
            for span in session.gate.spans():
                on_activity = partial(self._on_activity, session, span.offset_s)
                pipeline = self._make_pipeline(session.options, on_activity)
                try:
                    for segment in pipeline.run(span):
                        self._publish_segment(session, segment, span.offset_s)
                except CapturePaused:
                    log.info("minutes: session %s: the utterance under way is dropped", session.id)
                    if self._activity is not None:
                        self._activity.set(False, self._clock.now())
        except Exception as exc:  # the pipeline or the audio failed: stop, and say why
            error = exc
            log.exception("minutes: session %s failed", session.id)
        finally:
            session.gate.close()
            session.gate.finish()
            if self._activity is not None:
                self._activity.set(False, self._clock.now())
            no_minutes = self._publish_minutes(session)
            with self._lock:
                # A failure wins over the stop that was asked for: the hub should know.
                reason: MinutesReason = (
                    "error" if error is not None else session.stop_reason or "audio_ended"
                )
                self._publish_state(session, "stopped", reason, error, no_minutes)
                self._session = None
            self._consent.stopped()
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

    def _publish_minutes(self, session: _Session) -> str | None:
        """The session's minutes, after its last segment; why there are none, or None."""
        if not session.extract or self._extract is None:
            return None
        options = session.options
        try:
            data = make_minutes(
                self._extract,
                session.id,
                session.said,
                meeting_start=options.meeting_start or session.started_at,
                people=options.people,
                roster=options.roster,
                language=options.language,
            )
        except Exception as exc:  # the session still stops; the hub hears why in `detail`
            log.exception("minutes: no minutes for session %s", session.id)
            return f"no minutes: {_detail(exc)}"
        self._publisher.send(partial(self._builder.minutes, data, self._clock.now()))
        log.info(
            "minutes: session %s: %d action item(s), %d decision(s), %d open question(s)",
            session.id,
            len(data.action_items),
            len(data.decisions),
            len(data.open_questions),
        )
        return None

    def _publish_segment(self, session: _Session, segment: Segment, offset_s: float) -> None:
        text = segment.text.strip()
        if segment.final and not text:
            return  # nothing said: no segment, and no index used
        start = segment.start + offset_s  # the pipeline counts from its span's start
        data = TranscriptData(
            session=session.id,
            segment=session.segments,
            start_s=round(max(0.0, start), 3),  # milliseconds are plenty
            end_s=round(max(start, segment.end + offset_s, 0.0), 3),
            started_at=session.started_at,
            text=text,
            final=segment.final,
            language=_language(segment.language),
        )
        ts = session.started_at + timedelta(seconds=data.end_s)
        self._publisher.send(partial(self._builder.transcript, data, ts))
        if segment.final:
            session.segments += 1
            session.said.append((text, data.start_s, data.language))

    def _on_activity(self, session: _Session, offset_s: float, active: bool, at_s: float) -> None:
        if self._activity is not None:
            at = session.started_at + timedelta(seconds=max(0.0, at_s + offset_s))
            self._activity.set(active, at)

    def _publish_state(
        self,
        session: _Session,
        state: MinutesState,
        reason: MinutesReason,
        error: Exception | None = None,
        note: str | None = None,
    ) -> None:
        stopped = state == "stopped"
        started = state == "started"
        options = session.options
        now = self._clock.now()
        data = MinutesSessionData(
            session=session.id,
            state=state,
            reason=reason,
            started_at=session.started_at,
            stopped_at=now if stopped else None,
            segments=session.segments if stopped else None,
            title=options.title if started else None,
            language=options.language if started else None,
            booking_occurrence_id=options.booking_occurrence_id,
            recording=session.recording is not None,
            detail=_detail(error) or (note[:500] if note else None),
        )
        ts = session.started_at if started else now
        self._publisher.send(partial(self._builder.minutes_session, data, ts))

    def _failed_start(
        self, session_id: str, options: SessionOptions, at: datetime, exc: Exception
    ) -> None:
        """A start that could not open the audio: the hub sees a session that failed at once."""
        session = _Session(session_id, options, at, CaptureGate(_NoAudio()), None)
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
