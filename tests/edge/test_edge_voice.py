"""Voice commands on the terminal (edge.voice, edge.mute, edge.voice_feedback) with a fake
command listener of ``speech.intents.listener.CommandListener``'s shape, the shared
microphone, gpiozero MockFactory pins, and a recording publisher (no hub: nothing answers
unless a test replies on ``cmd/voice``)."""

import queue
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as paho
import pytest
from gpiozero import LED, Button
from gpiozero.pins.mock import MockFactory

from contract.commands import VOICE_TARGET, VoiceReply, encode_voice_reply
from contract.intent_data import IntentData
from contract.messages import MinutesSessionData
from contract.topics import command_topic
from edge.command_router import CommandRouter
from edge.microphone import SharedMicrophone
from edge.minutes import Minutes
from edge.mute import MuteControl
from edge.speech_runtime import SpeechRuntime
from edge.spool import MessageClass, classify
from edge.voice import VoiceCommands
from edge.voice_feedback import ReplySpeaker, VoiceLight
from tests.edge.test_edge_microphone import Opener, level
from tests.edge.test_edge_minutes import WAIT_S, Rig, _wait_for
from tests.edge.test_edge_off_record import UtterancePipeline

TALK, SWITCH, MUTE_LED, VOICE_LED = "GPIO5", "GPIO6", "GPIO12", "GPIO16"


@dataclass(frozen=True)
class Result:
    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.9
    text: str = ""


@dataclass(frozen=True)
class Heard:
    """``HeardCommand``'s shape."""

    end_s: float
    command_text: str
    result: Result
    trigger: str = "wake"
    language: str = "en"
    start_s: float = 0.0

    @property
    def text(self) -> str:
        return f"hey quorum {self.command_text}"

    @property
    def accepted(self) -> bool:
        return self.result.intent is not None

    @property
    def wake_only(self) -> bool:
        return self.trigger == "wake" and not self.command_text


class FakeListener:
    """A block of level N ends utterance N of the script (if there is one)."""

    def __init__(self, script: dict[int, Heard]) -> None:
        self.script = script
        self.fed: list[int] = []
        self.armed = 0
        self.resets = 0
        self.closed = False
        self.names: tuple[str, ...] = ()

    def arm(self) -> None:
        self.armed += 1

    def set_names(self, names: Sequence[str]) -> None:
        self.names = tuple(names)

    def feed(self, block: np.ndarray) -> list[Heard]:
        self.fed.append(level(block))
        heard = self.script.get(level(block))
        return [heard] if heard is not None else []

    def finish(self) -> list[Heard]:
        return []

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        self.closed = True


class FakeAnnouncer:
    def __init__(self, microphone: SharedMicrophone) -> None:
        self.said: list[tuple[str, str]] = []
        self.held_while_saying: list[bool] = []
        self._microphone = microphone

    def speaks(self, language: str) -> bool:
        return language == "en"

    def say(self, text: str, language: str) -> None:
        self.held_while_saying.append(self._microphone.held)
        self.said.append((text, language))


RELEASE = Heard(2.0, "release the room", Result("release_room"))
EXTEND = Heard(2.0, "extend by fifteen minutes", Result("extend_meeting", {"duration": 15}))
START = Heard(1.5, "start minutes", Result("start_minutes"), trigger="ptt")
MUTE = Heard(1.0, "mute the microphone", Result("mute"))
NONSENSE = Heard(1.0, "paint the walls blue", Result(None))
WAKE_ALONE = Heard(1.0, "", Result(None))


class VoiceRig:
    def __init__(self, tmp_path: Path, script: dict[int, Heard], **minutes: Any) -> None:
        self.rig = Rig(tmp_path)
        self.opener = Opener()
        self.microphone = SharedMicrophone(self.opener)
        if minutes.get("shared"):  # sessions hear the shared microphone too
            self.heard: list[str] = []
            self.rig.minutes = Minutes(
                self.rig.publisher,
                self.rig.clock,
                self.microphone.subscribe,
                lambda options, on_activity: UtterancePipeline(self.heard),
                extract=None,
            )
        self.factory = MockFactory()
        self.mute = MuteControl(
            self.microphone,
            Button(SWITCH, pin_factory=self.factory, bounce_time=None),
            LED(MUTE_LED, pin_factory=self.factory),
        )
        self.light = VoiceLight(LED(VOICE_LED, pin_factory=self.factory), time_scale=0.01)
        self.announcer = FakeAnnouncer(self.microphone)
        self.listener = FakeListener(script)
        self.monotonic = [100.0]
        self.runtime = SpeechRuntime(self.rig.minutes, microphone=self.microphone, mute=self.mute)
        self.runtime.voice = VoiceCommands(
            self.listener,
            self.microphone.subscribe,
            self.rig.publisher,
            self.rig.clock,
            self.rig.minutes,
            self.runtime.submit,
            mute=self.mute,
            talk_button=Button(TALK, pin_factory=self.factory, bounce_time=None),
            light=self.light,
            speaker=ReplySpeaker(self.announcer, self.microphone),
            monotonic=lambda: self.monotonic[0],
            resubscribe_s=None,
        )
        self.router = CommandRouter()
        self.runtime.attach(self.router)
        self.runtime.start()
        _wait_for(lambda: self.microphone.open)

    def say(self, *levels: int) -> None:
        """Blocks of these levels, each one handled by the listener before the next."""
        for value in levels:
            fed = len(self.listener.fed)
            self.opener.put(value)
            _wait_for(lambda fed=fed: len(self.listener.fed) > fed)

    def intents(self) -> list[IntentData]:
        return [m.data for m in self.rig.messages(IntentData)]  # type: ignore[misc]

    def reply(self, utterance: str, ok: bool, say: str, intent: str = "release_room") -> None:
        topic = command_topic("quorum", "hq-f1-aurora", "term-hq-f1-aurora", VOICE_TARGET)
        message = paho.MQTTMessage(topic=topic.encode())
        message.payload = encode_voice_reply(
            VoiceReply(utterance=utterance, ok=ok, intent=intent, say=say)
        )
        self.router.on_message(message)

    def press(self, pin: str) -> None:
        number = int(pin.removeprefix("GPIO"))
        self.factory.pin(number).drive_low()  # pull-up: active low
        self.factory.pin(number).drive_high()

    def shown(self, *patterns: str) -> None:
        _wait_for(lambda: self.light.shown[-len(patterns) :] == list(patterns))

    def close(self) -> None:
        self.runtime.close()
        self.factory.close()


def test_a_command_is_published_and_the_reply_in_time_is_spoken(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {1: RELEASE})
    try:
        voice.say(0, 0, 1)
        _wait_for(lambda: bool(voice.intents()))
        (data,) = voice.intents()
        topic = voice.rig.sink.sent[-1][0]  # speech: the spool never drops it
        assert topic.endswith("/speech/intent") and classify(topic) is MessageClass.SPEECH
        assert (data.intent, data.trigger, data.language) == ("release_room", "wake", "en")
        assert data.text == "release the room" and data.session is None
        assert data.said_at == voice.rig.clock.now()  # the clock stands still here
        voice.monotonic[0] += 3.0
        voice.reply(data.utterance, True, "The room is released. Thank you.")
        voice.shown("ok")
        _wait_for(lambda: bool(voice.announcer.said))
        assert voice.announcer.said == [("The room is released. Thank you.", "en")]
        assert voice.announcer.held_while_saying == [True]  # it did not hear itself
        _wait_for(lambda: not voice.microphone.held)
    finally:
        voice.close()


def test_said_at_is_when_the_utterance_ended_on_the_terminal_clock(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {9: Heard(0.5, "release the room", Result("release_room"))})
    try:
        voice.say(0, 0, 0, 0, 0, 0, 0, 0, 9)  # 0.9 s fed; the utterance ended at 0.5 s
        _wait_for(lambda: bool(voice.intents()))
        (data,) = voice.intents()
        assert (voice.rig.clock.now() - data.said_at).total_seconds() == pytest.approx(0.4)
    finally:
        voice.close()


def test_a_late_reply_is_shown_not_spoken_and_a_refusal_has_its_pattern(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {1: RELEASE, 2: EXTEND})
    try:
        voice.say(1)
        _wait_for(lambda: len(voice.intents()) == 1)
        voice.monotonic[0] += 45.0  # the hub was away; the command waited in the spool
        voice.reply(voice.intents()[0].utterance, True, "The room is released. Thank you.")
        voice.shown("ok")
        voice.say(2)
        _wait_for(lambda: len(voice.intents()) == 2)
        extend = voice.intents()[1]
        assert extend.slots == {"duration": 15}
        voice.reply(extend.utterance, False, "Sorry, the room is booked from 14:00.")
        voice.shown("ok", "refused")
        _wait_for(lambda: bool(voice.announcer.said))
        assert voice.announcer.said == [("Sorry, the room is booked from 14:00.", "en")]
    finally:
        voice.close()


def test_room_only_intents_are_done_at_once_with_no_hub(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {1: START})
    try:
        voice.say(1)
        _wait_for(lambda: bool(voice.rig.sessions()))
        (started,) = voice.rig.sessions()
        assert (started.state, started.reason) == ("started", "voice")
        voice.shown("ok")
        (data,) = voice.intents()  # published too: the hub records it when it is back
        assert (data.intent, data.trigger) == ("start_minutes", "ptt")
        voice.reply(data.utterance, True, "Minutes are on.", "start_minutes")
        assert voice.announcer.said == []  # confirmed already: the hub's reply is only logged
    finally:
        voice.close()
    stopped = voice.rig.messages(MinutesSessionData)[-1].data
    assert stopped.state == "stopped" and stopped.reason == "shutdown"  # type: ignore[attr-defined]


def test_a_command_that_cannot_be_done_is_refused_by_the_light(tmp_path: Path) -> None:
    stop = Heard(1.0, "stop minutes", Result("stop_minutes"))
    voice = VoiceRig(tmp_path, {1: stop})
    try:
        voice.say(1)
        voice.shown("refused")  # no session was running
    finally:
        voice.close()


def test_not_understood_and_the_wake_phrase_alone_only_blink(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {1: NONSENSE, 2: WAKE_ALONE})
    try:
        voice.say(1, 2)
        voice.shown("not_understood", "listening")
        assert voice.intents() == [] and voice.announcer.said == []
    finally:
        voice.close()


def test_push_to_talk_arms_the_listener(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {})
    try:
        voice.press(TALK)
        _wait_for(lambda: voice.listener.armed == 1)
        voice.shown("listening")
    finally:
        voice.close()


def test_the_mute_switch_silences_every_consumer(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {}, shared=True)
    try:
        assert voice.rig.minutes.start(voice_options())
        voice.say(1)
        _wait_for(lambda: voice.heard[-1:] == ["a1"])
        resets = voice.listener.resets
        voice.factory.pin(6).drive_low()  # the switch closed: muted
        assert voice.mute.muted and voice.factory.pin(12).state  # the mute LED is on
        voice.say(2, 3)
        _wait_for(lambda: len(voice.heard) == 3)
        assert voice.listener.fed[-2:] == [0, 0] and voice.heard[-2:] == ["-", "-"]
        assert voice.listener.resets == resets + 1  # the utterance under way is forgotten
        assert voice.rig.minutes.running  # the session runs on, hearing nothing
        voice.press(TALK)  # push-to-talk cannot unmute the switch
        assert voice.mute.muted and voice.listener.armed == 0
        voice.factory.pin(6).drive_high()
        assert not voice.mute.muted and not voice.factory.pin(12).state
        voice.say(4)
        _wait_for(lambda: len(voice.heard) == 4)
        assert voice.listener.fed[-1] == 4 and voice.heard[-1] == "c1"
    finally:
        voice.close()


def test_mute_by_voice_ends_with_push_to_talk_or_the_switch(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {1: MUTE, 3: MUTE})
    try:
        voice.say(1)
        _wait_for(lambda: voice.mute.muted)
        voice.shown("ok")
        assert [d.intent for d in voice.intents()] == ["mute"]
        voice.say(2)
        assert voice.listener.fed[-1] == 0  # silence
        voice.press(TALK)  # ends the software mute, and listens for a command
        assert not voice.mute.muted and voice.listener.armed == 1
        voice.say(3)
        _wait_for(lambda: voice.mute.muted)
        voice.shown("ok", "listening", "ok")
        pin = voice.factory.pin(6)
        pin.drive_low()  # the switch toggled (closed, then open): the software mute is over
        pin.drive_high()
        assert not voice.mute.muted
    finally:
        voice.close()


def voice_options(roster: tuple[str, ...] = ()) -> Any:
    from edge.minutes import SessionOptions

    return SessionOptions(reason="voice", roster=roster)


def test_the_meetings_names_go_to_the_listener(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {}, shared=True)
    try:
        voice.say(1)
        assert voice.listener.names == ()
        assert voice.rig.minutes.start(voice_options(("Ana Lima", "Chen Wei")))
        voice.say(2)
        assert voice.listener.names == ("Ana Lima", "Chen Wei")
        voice.rig.minutes.stop("voice")
        _wait_for(lambda: not voice.rig.minutes.running)
        voice.say(3)
        assert voice.listener.names == ()
    finally:
        voice.close()


def test_close_stops_the_listener_and_the_microphone(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {})
    voice.close()
    assert voice.listener.closed and not voice.microphone.open
    assert voice.opener.sources[0].closed.is_set()


def test_the_waiting_light_goes_out_after_the_window(tmp_path: Path) -> None:
    voice = VoiceRig(tmp_path, {1: RELEASE})
    waits: queue.SimpleQueue[bool] = queue.SimpleQueue()
    original = voice.light.waiting

    def spy(on: bool) -> None:
        waits.put(on)
        original(on)

    voice.light.waiting = spy  # type: ignore[method-assign]
    try:
        voice.say(1)
        assert waits.get(timeout=WAIT_S) is True
        voice.monotonic[0] += 11.0
        voice.runtime.voice._update_waiting()  # type: ignore[union-attr]  # the timer's call
        assert waits.get(timeout=WAIT_S) is False
    finally:
        voice.close()


def test_the_light_blinks_its_patterns_on_the_pin() -> None:
    factory = MockFactory()
    light = VoiceLight(LED(VOICE_LED, pin_factory=factory), time_scale=0.01)
    pin = factory.pin(16)
    try:
        light.show("ok")  # two blinks

        def ons() -> int:
            return sum(1 for s in pin.states if s.state)

        _wait_for(lambda: ons() == 2 and not pin.state)
        light.waiting(True)
        _wait_for(lambda: ons() > 2)  # the slow blink until it is told to stop
        light.waiting(False)
        _wait_for(lambda: not pin.state)
    finally:
        light.close()
        factory.close()
