"""Voice commands on the terminal: hear, publish, act on the room, confirm.

A thread reads a subscription to the shared microphone into the command listener
(``speech.intents.listener.CommandListener``: push-to-talk or the wake phrase, then the room
grammar). Every accepted command becomes an ``intent`` message, sent through the
:class:`~edge.publisher.Publisher` (spooled first: a command given while the hub is away is
delivered, and carried out at its own ``said_at``, once the hub is back).

- Room-only intents (:data:`ROOM_ONLY`: minutes on and off, off the record, mute) are also
  carried out here at once, on the speech runtime's job queue (in order with the buttons and
  the hub's commands), and confirmed by the LED: they work with no hub at all. The hub's
  later reply to them is only logged.
- Every other intent waits for the hub's :class:`~contract.commands.VoiceReply` on
  ``cmd/voice``: the LED blinks slowly meanwhile; the reply is shown (``ok``/``refused``)
  and, if it came within :data:`REPLY_WINDOW_S` of the command and a local voice speaks its
  language, said. A later reply (it waited in a spool while the hub was away) is only shown.
- A command heard with a trigger but matching no intent gets the ``not_understood`` pattern.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

import paho.mqtt.client as paho
from pydantic import ValidationError

from common.clock import Clock
from contract.commands import VOICE_TARGET, decode_voice_reply
from contract.envelope import new_boot_id
from contract.intent_data import MAX_SLOT_TEXT, MAX_UTTERANCE_TEXT, IntentData
from contract.messages import ContractError
from edge.command_router import CommandRouter
from edge.minutes import Minutes
from edge.mute import MuteControl
from edge.publisher import Publisher
from edge.voice_feedback import ReplySpeaker, VoiceLight
from edge.voice_room import ROOM_ONLY, room_action
from speech.audio.source import SAMPLE_RATE, AudioSource

log = logging.getLogger(__name__)

REPLY_WINDOW_S = 10.0  # a reply later than this is shown, not spoken
MAX_AWAITED = 256  # commands remembered for a late reply
Job = Callable[[], None]


class Listener(Protocol):
    """``speech.intents.listener.CommandListener`` fits (``HeardCommand`` results)."""

    def arm(self) -> None: ...
    def set_names(self, names: Sequence[str]) -> None: ...
    def feed(self, block: Any) -> list[Any]: ...
    def finish(self) -> list[Any]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class _Awaited:
    at: float  # monotonic seconds when the command was published
    language: str
    intent: str


class VoiceCommands:
    def __init__(
        self,
        listener: Listener,
        subscribe: Callable[[], AudioSource],
        publisher: Publisher,
        clock: Clock,
        minutes: Minutes,
        submit: Callable[[Job], None],
        *,
        mute: MuteControl | None = None,
        talk_button: Any = None,
        light: VoiceLight | None = None,
        speaker: ReplySpeaker | None = None,
        reply_window_s: float = REPLY_WINDOW_S,
        monotonic: Callable[[], float] = time.monotonic,
        resubscribe_s: float | None = 2.0,
    ) -> None:
        self._listener = listener
        self._subscribe = subscribe
        self._publisher = publisher
        self._clock = clock
        self._minutes = minutes
        self._submit = submit
        self._mute = mute
        self._button = talk_button  # a gpiozero Button: push-to-talk
        self._light = light
        self._speaker = speaker
        self._window = reply_window_s
        self._monotonic = monotonic
        # A microphone that ended (unplugged) is opened again; a file (None) is played once.
        self._resubscribe_s = resubscribe_s
        self._lock = threading.Lock()
        self._awaited: OrderedDict[str, _Awaited] = OrderedDict()
        self._source: AudioSource | None = None
        self._stopping = threading.Event()
        self._reset_wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._timers: list[threading.Timer] = []

    def attach(self, router: CommandRouter) -> None:
        router.add(VOICE_TARGET, self.on_reply)

    def start(self) -> None:
        if self._mute is not None:
            self._mute.on_change(self._mute_changed)
        if self._button is not None:
            self._button.when_pressed = self.talk_pressed
        self._thread = threading.Thread(target=self._run, name="voice", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._button is not None:
            self._button.when_pressed = None
            self._button.close()
        with self._lock:  # with _run's check: a source opened now is closed there
            self._stopping.set()
            source, timers = self._source, list(self._timers)
        if source is not None:
            source.close()
        for timer in timers:
            timer.cancel()
        if self._thread is not None:
            self._thread.join(10.0)
        self._listener.close()
        if self._light is not None:
            self._light.close()

    # -- triggers -------------------------------------------------------------------------

    def talk_pressed(self) -> None:
        """Push-to-talk (gpiozero's thread): ends a software mute, and listens for a command."""
        if self._mute is not None and not self._mute.talk_pressed():
            return  # the mute switch is on: no command may be heard
        self._listener.arm()
        self._show("listening")

    def _mute_changed(self, muted: bool) -> None:
        if muted:  # forget the utterance under way; done on the listener's own thread
            self._reset_wanted.set()

    # -- hearing --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                source = self._subscribe()
            except Exception as exc:
                log.warning("voice: cannot open the microphone: %s", exc)
                source = None
            if source is not None:
                with self._lock:
                    self._source = source
                    if self._stopping.is_set():
                        source.close()  # close() came while it was being opened
                try:
                    self._listen(source)
                except Exception:
                    log.exception("voice: the command listener failed")
                finally:
                    source.close()
            if self._resubscribe_s is None or self._stopping.wait(self._resubscribe_s):
                break
        log.info("voice: no longer listening for commands")

    def _listen(self, source: AudioSource) -> None:
        self._listener.reset()  # a new stream: its seconds count from 0 again
        fed = 0
        for block in source.blocks():
            if self._reset_wanted.is_set():
                self._reset_wanted.clear()
                self._listener.reset()
                fed = 0
            fed += len(block)
            now = self._clock.now()
            # The meeting's names help Whisper write them ("Ana", not "honest").
            self._listener.set_names(self._minutes.roster)
            for heard in self._listener.feed(block):
                self._heard(heard, _said_at(now, fed, heard.end_s))
        if not self._stopping.is_set():
            now = self._clock.now()
            for heard in self._listener.finish():
                self._heard(heard, _said_at(now, fed, heard.end_s))

    def _heard(self, heard: Any, said_at: datetime) -> None:
        if not heard.accepted:
            wake_only = bool(getattr(heard, "wake_only", False))
            log.info(
                "voice: %s (%s)", "wake phrase" if wake_only else "not understood", heard.trigger
            )
            self._show("listening" if wake_only else "not_understood")
            return
        result = heard.result
        try:
            data = IntentData(
                utterance=new_boot_id(),
                intent=result.intent,
                slots={k: _slot_value(v) for k, v in result.slots.items()},
                confidence=min(1.0, max(0.0, float(result.confidence))),
                text=(heard.command_text or heard.text)[:MAX_UTTERANCE_TEXT],
                trigger=heard.trigger,
                said_at=said_at,
                session=self._minutes.session_id,
                language=heard.language if heard.language in ("en", "zh") else None,
            )
        except ValidationError as exc:  # a grammar whose names the contract cannot carry
            log.warning("voice: cannot send intent %r: %s", result.intent, exc)
            self._show("not_understood")
            return
        log.info("voice: %s (%s, %.2f)", data.intent, data.trigger, data.confidence)
        room_only = data.intent in ROOM_ONLY
        if room_only:
            self._submit(partial(self._act, data.intent))
        else:
            self._await(data)
        self._publisher.send(partial(self._publisher.builder.intent, data, said_at))

    def _act(self, intent: str) -> None:
        """A room-only intent, on the runtime's job thread."""
        done = room_action(intent, self._minutes, self._mute)
        self._show("ok" if done else "refused")

    # -- the hub's replies ----------------------------------------------------------------

    def _await(self, data: IntentData) -> None:
        with self._lock:
            self._awaited[data.utterance] = _Awaited(
                self._monotonic(), data.language or "en", data.intent
            )
            while len(self._awaited) > MAX_AWAITED:
                self._awaited.popitem(last=False)
            timer = threading.Timer(self._window, self._update_waiting)
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()
        self._update_waiting()

    def on_reply(self, message: paho.MQTTMessage) -> None:
        """A ``cmd/voice`` message (paho's thread): nothing here waits."""
        try:
            reply = decode_voice_reply(bytes(message.payload))
        except ContractError as exc:
            log.warning("voice: ignoring a bad reply on %s: %s", message.topic, exc)
            return
        with self._lock:
            awaited = self._awaited.pop(reply.utterance, None)
        if awaited is None:  # room-only (done already), or from before a restart
            log.info("voice: the hub says %s for %s (%s)", reply.intent, reply.utterance, reply.ok)
            return
        age = self._monotonic() - awaited.at
        self._show("ok" if reply.ok else "refused")
        spoken = None
        if age <= self._window and self._speaker is not None:
            spoken = self._speaker.say(reply.say, awaited.language)
        log.info(
            "voice: reply to %s after %.1f s: %s%s",
            awaited.intent,
            age,
            "done" if reply.ok else "refused",
            "" if spoken else " (shown, not spoken)",
        )
        self._update_waiting()

    def _update_waiting(self) -> None:
        now = self._monotonic()
        with self._lock:
            waiting = any(now - a.at < self._window for a in self._awaited.values())
        if self._light is not None:
            self._light.waiting(waiting)

    def _show(self, pattern: str) -> None:
        if self._light is not None:
            self._light.show(pattern)


def _said_at(now: datetime, fed_samples: int, end_s: float) -> datetime:
    """When the utterance ended on the terminal's clock: ``now`` is when the stream reached
    ``fed_samples`` (robust to blocks a slow listener lost before)."""
    behind = max(0.0, fed_samples / SAMPLE_RATE - end_s)
    return now - timedelta(seconds=behind)


def _slot_value(value: Any) -> str | int | float | bool | None:
    """What the contract carries: JSON scalars; anything else (a date) as its text."""
    if isinstance(value, str):
        return value[:MAX_SLOT_TEXT]
    if value is None or isinstance(value, int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)[:MAX_SLOT_TEXT]
