"""MicrophoneSource against a fake ``sounddevice`` module: no hardware, no PortAudio."""

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from speech.audio.source import SAMPLE_RATE, AudioError
from speech.audio.sources import PORTAUDIO_HINT, MicrophoneSource


class FakePortAudioError(Exception):
    pass


class FakeStream:
    def __init__(self, backend: "FakeSoundDevice", **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.callback: Callable[..., None] = kwargs["callback"]
        self.started = self.stopped = self.closed = False
        backend.streams.append(self)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def close(self) -> None:
        self.closed = True

    def push(self, block: np.ndarray, overflow: bool = False) -> None:
        status = SimpleNamespace(input_overflow=overflow) if overflow else None
        self.callback(block, len(block), None, status)


class FakeSoundDevice:
    """The parts of the sounddevice module MicrophoneSource uses."""

    PortAudioError = FakePortAudioError

    def __init__(self, rates: tuple[int, ...] = (16_000, 48_000), default_rate: int = 48_000):
        self.devices: list[dict[str, Any]] = [
            {"name": "HDMI out", "max_input_channels": 0, "default_samplerate": 48_000.0},
            {"name": "USB conference mic", "max_input_channels": 2, "default_samplerate": 48_000.0},
            {
                "name": "Laptop mic",
                "max_input_channels": 1,
                "default_samplerate": float(default_rate),
            },
        ]
        self.rates = rates
        self.default: int | None = 1
        self.streams: list[FakeStream] = []

    def query_devices(self, device: int | str | None = None, kind: str | None = None) -> Any:
        if device is None and kind is None:
            return self.devices
        if device is None:
            if self.default is None:
                raise FakePortAudioError("Error querying device -1")
            device = self.default
        if isinstance(device, str):
            found = [i for i, d in enumerate(self.devices) if device in str(d["name"])]
            if not found:
                raise ValueError(f"No input device matching {device!r}")
            device = found[0]
        if not 0 <= device < len(self.devices):
            raise FakePortAudioError(f"Error querying device {device}")
        info = self.devices[device]
        if kind == "input" and int(info["max_input_channels"]) == 0:
            raise ValueError(f"Not an input device: {device}")
        return info

    def check_input_settings(self, device: Any, channels: int, samplerate: int, dtype: str) -> None:
        if samplerate not in self.rates:
            raise FakePortAudioError("Invalid sample rate")

    def InputStream(self, **kwargs: Any) -> FakeStream:  # sounddevice's name
        return FakeStream(self, **kwargs)


def test_blocks_flow_and_left_channel_is_selected() -> None:
    sd = FakeSoundDevice()
    mic = MicrophoneSource(device="USB", channel="left", backend=sd)
    assert mic.sample_rate == SAMPLE_RATE and mic.input_channels == 2
    mic.start()
    stream = sd.streams[0]
    assert stream.started
    assert stream.kwargs["samplerate"] == SAMPLE_RATE
    assert stream.kwargs["blocksize"] == 512
    assert stream.kwargs["channels"] == 2
    stereo = np.zeros((512, 2), dtype=np.float32)
    stereo[:, 0] = 0.25
    stereo[:, 1] = -0.5
    stream.push(stereo)
    stream.push(stereo)
    blocks = mic.blocks()
    got = [next(blocks), next(blocks)]
    assert [b.shape for b in got] == [(512,), (512,)]
    np.testing.assert_array_equal(got[0], np.full(512, 0.25, dtype=np.float32))
    mic.close()


def test_close_from_another_thread_stops_iteration_and_the_stream() -> None:
    sd = FakeSoundDevice()
    mic = MicrophoneSource(backend=sd)
    mic.start()
    sd.streams[0].push(np.zeros((512, 1), dtype=np.float32))
    got: list[np.ndarray] = []
    first = threading.Event()

    def consume() -> None:
        for block in mic.blocks():
            got.append(block)
            first.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert first.wait(timeout=10)
    mic.close()  # the consumer is blocked waiting for the next block: close wakes it
    consumer.join(timeout=10)
    assert not consumer.is_alive()
    assert len(got) == 1
    assert sd.streams[0].stopped and sd.streams[0].closed
    assert list(mic.blocks()) == []


def test_overflows_are_counted_when_the_consumer_is_slow() -> None:
    sd = FakeSoundDevice()
    mic = MicrophoneSource(backend=sd, block_s=0.5)  # the queue holds 10 s: 20 blocks
    mic.start()
    stream = sd.streams[0]
    block = np.zeros((8000, 1), dtype=np.float32)
    for _ in range(25):
        stream.push(block)
    assert mic.overflows == 5
    stream.push(block, overflow=True)  # PortAudio lost input itself, and the queue is full
    assert mic.overflows == 7
    mic.close()


def test_records_at_the_native_rate_and_resamples() -> None:
    sd = FakeSoundDevice(rates=(48_000,), default_rate=48_000)
    mic = MicrophoneSource(device=2, backend=sd, block_s=0.1)
    assert mic.sample_rate == 48_000 and mic.input_channels == 1
    mic.start()
    stream = sd.streams[0]
    assert stream.kwargs["samplerate"] == 48_000
    assert stream.kwargs["blocksize"] == 4800
    for _ in range(10):
        stream.push(np.full((4800, 1), 0.1, dtype=np.float32))
    blocks = mic.blocks()
    samples = np.concatenate([next(blocks) for _ in range(10)])
    mic.close()
    assert abs(len(samples) - 16_000) <= 64  # the filter holds back a few samples
    assert np.allclose(samples[100:-100], 0.1, atol=1e-3)


def test_unknown_device_lists_the_input_devices() -> None:
    sd = FakeSoundDevice()
    for device in ("Bluetooth", 7, 0):
        with pytest.raises(AudioError) as info:
            MicrophoneSource(device=device, backend=sd)
        message = str(info.value)
        assert "1: USB conference mic (2 channels)" in message
        assert "2: Laptop mic (1 channels)" in message
        assert "HDMI" not in message
        assert "pick one" in message


def test_no_input_device_at_all() -> None:
    sd = FakeSoundDevice()
    sd.devices = [sd.devices[0]]
    sd.default = None
    with pytest.raises(AudioError, match="no input devices found"):
        MicrophoneSource(backend=sd)


def test_too_many_channels_asked_for() -> None:
    with pytest.raises(AudioError, match="has 1 channel"):
        MicrophoneSource(device=2, input_channels=2, backend=FakeSoundDevice())


def test_stream_that_cannot_open_is_an_audio_error() -> None:
    sd = FakeSoundDevice()

    def refuse(**kwargs: Any) -> FakeStream:
        raise FakePortAudioError("Device unavailable")

    sd.InputStream = refuse  # type: ignore[method-assign]
    mic = MicrophoneSource(backend=sd)
    with pytest.raises(AudioError, match="Device unavailable"):
        next(mic.blocks())


def test_missing_portaudio_is_a_clear_audio_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.delitem(__import__("sys").modules, "sounddevice", raising=False)
    with pytest.raises(AudioError) as info:
        MicrophoneSource()
    assert str(info.value) == PORTAUDIO_HINT
    assert "apt-get install libportaudio2" in str(info.value)
