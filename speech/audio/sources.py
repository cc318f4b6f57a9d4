"""Audio sources: a file, an array in memory, a microphone. All yield 16 kHz mono float32.

Files are decoded with faster-whisper's decoder (PyAV, which bundles FFmpeg: no system
packages needed). The microphone uses ``sounddevice`` (PortAudio), imported only when a
microphone is opened so that importing :mod:`speech` never needs PortAudio.
"""

import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from speech.audio.source import CHANNELS, SAMPLE_RATE, AudioError, Channel


def select_channel(samples: np.ndarray, channel: Channel) -> np.ndarray:
    """Mono float32 from ``(n,)`` or ``(n, channels)``: ``mix`` averages, ``left`` and
    ``right`` take the first and second channel. Mono input is returned for any choice."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
    data = _to_float32(samples)
    if data.ndim == 1:
        return data
    if data.ndim != 2:
        raise ValueError(f"expected (n,) or (n, channels) samples, got shape {data.shape}")
    if data.shape[1] == 1 or channel == "mix":
        return np.ascontiguousarray(data.mean(axis=1, dtype=np.float32))
    return np.ascontiguousarray(data[:, 0 if channel == "left" else 1])


def _to_float32(samples: np.ndarray) -> np.ndarray:
    """Integer PCM is scaled to [-1, 1]; floats are only cast."""
    if np.issubdtype(samples.dtype, np.integer):
        scale = float(np.iinfo(samples.dtype).max) + 1.0
        return (samples.astype(np.float32) / scale).astype(np.float32)
    return samples.astype(np.float32, copy=False)


class StreamResampler:
    """Resamples a stream of mono blocks to 16 kHz with libswresample (PyAV).

    Stateful, so block boundaries leave no clicks; :meth:`flush` returns what the filter
    still holds at the end."""

    def __init__(self, from_rate: int, to_rate: int = SAMPLE_RATE) -> None:
        import av

        self._av = av
        self.from_rate = int(from_rate)
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=to_rate)

    def process(self, samples: np.ndarray) -> np.ndarray:
        if samples.size == 0:
            return np.zeros(0, dtype=np.float32)
        frame = self._av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples, dtype=np.float32)[None, :], format="flt", layout="mono"
        )
        frame.sample_rate = self.from_rate
        return self._collect(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        return self._collect(self._resampler.resample(None))

    @staticmethod
    def _collect(frames: list[Any]) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        if not parts:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(parts).astype(np.float32, copy=False)


def resample(samples: np.ndarray, from_rate: int, to_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Whole mono array from ``from_rate`` to ``to_rate``."""
    if from_rate == to_rate:
        return samples.astype(np.float32, copy=False)
    resampler = StreamResampler(from_rate, to_rate)
    return np.concatenate([resampler.process(samples), resampler.flush()])


def _split_blocks(samples: np.ndarray, block_s: float) -> Iterator[np.ndarray]:
    size = max(1, round(block_s * SAMPLE_RATE))
    for start in range(0, len(samples), size):
        yield samples[start : start + size]


def _check_block_s(block_s: float) -> None:
    if not block_s > 0:
        raise ValueError(f"block_s must be positive, got {block_s}")


# --- files -----------------------------------------------------------------------------


def _channel_count(path: Path) -> int:
    import av

    with av.open(str(path), mode="r", metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise AudioError(
                f"{path} is not audio (it has no audio stream): "
                "give a sound file (WAV, FLAC, MP3, OGG, ...)"
            )
        return int(container.streams.audio[0].codec_context.channels)


def read_audio(path: Path | str, channel: Channel = "mix") -> np.ndarray:
    """The whole file as 16 kHz mono float32; :class:`AudioError` says why it cannot be."""
    import av
    from faster_whisper.audio import decode_audio

    path = Path(path)
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
    if not path.exists():
        raise AudioError(f"audio file not found: {path}: check the path")
    if not path.is_file():
        raise AudioError(f"{path} is not a file: give the path of a sound file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path} is empty (0 bytes): record or copy the audio again")
    try:
        # Mono decoded "as stereo" would be upmixed at -3 dB: only split real stereo.
        if _channel_count(path) >= 2 and channel != "mix":
            left, right = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=True)
            samples = left if channel == "left" else right
        else:
            samples = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except AudioError:
        raise
    except av.error.InvalidDataError as exc:
        raise AudioError(
            f"{path} is not audio FFmpeg can read (corrupt or an unsupported format): "
            "convert it to WAV or FLAC, e.g. ffmpeg -i input output.wav"
        ) from exc
    except (av.error.FFmpegError, ValueError, RuntimeError, IndexError, OSError) as exc:
        raise AudioError(
            f"cannot decode {path}: {exc}; convert it to WAV or FLAC, "
            "e.g. ffmpeg -i input output.wav"
        ) from exc
    if samples.size == 0:
        raise AudioError(f"{path} contains no audio (zero samples): check the recording")
    return np.ascontiguousarray(samples, dtype=np.float32)


class _HeldSource:
    """Samples already decoded, handed out in blocks of ``block_s`` seconds until closed."""

    samples: np.ndarray
    block_s: float
    _closed: bool = False

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def blocks(self) -> Iterator[np.ndarray]:
        for block in _split_blocks(self.samples, self.block_s):
            if self._closed:
                return
            yield block

    def close(self) -> None:
        self._closed = True


class FileSource(_HeldSource):
    """Decodes the whole file up front, then yields blocks of ``block_s`` seconds."""

    def __init__(self, path: Path, channel: Channel = "mix", block_s: float = 0.5) -> None:
        _check_block_s(block_s)
        self.path = Path(path)
        self.channel = channel
        self.block_s = block_s
        self.samples = read_audio(self.path, channel)


class MemorySource(_HeldSource):
    """Samples already in memory (tests, generated speech): mono ``(n,)`` or ``(n, 2)``,
    float or int16, at any rate."""

    def __init__(
        self,
        samples: np.ndarray,
        sample_rate: int = SAMPLE_RATE,
        channel: Channel = "mix",
        block_s: float = 0.5,
    ) -> None:
        _check_block_s(block_s)
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        self.block_s = block_s
        self.samples = resample(select_channel(np.asarray(samples), channel), sample_rate)


# --- microphone ------------------------------------------------------------------------

PORTAUDIO_HINT = "PortAudio is not installed: sudo apt-get install libportaudio2"
_QUEUE_S = 10.0  # audio held for a slow consumer before blocks are dropped


def _import_sounddevice() -> ModuleType:
    try:
        import sounddevice
    except OSError as exc:  # the Python package is there, the C library is not
        raise AudioError(PORTAUDIO_HINT) from exc
    except ImportError as exc:
        raise AudioError("sounddevice is not installed: pip install sounddevice") from exc
    return sounddevice


def _input_devices(backend: Any) -> list[tuple[int, str, int]]:
    """(index, name, input channels) of every device that can record."""
    return [
        (i, str(d["name"]), int(d["max_input_channels"]))
        for i, d in enumerate(backend.query_devices())
        if int(d["max_input_channels"]) > 0
    ]


def _device_help(backend: Any) -> str:
    devices = _input_devices(backend)
    if not devices:
        return "no input devices found: plug in a microphone and check it is not muted"
    listed = "\n".join(f"  {i}: {name} ({ch} channels)" for i, name, ch in devices)
    return (
        f"available input devices:\n{listed}\n"
        "pick one by its number or (part of) its name, or leave it unset for the default"
    )


class MicrophoneSource:
    """Records from an input device; :meth:`blocks` yields until :meth:`close`.

    The PortAudio callback only copies into a bounded queue; when the consumer falls behind,
    blocks are dropped and counted in :attr:`overflows` (as are overflows PortAudio
    reports itself). If the device does not take 16 kHz it records at its native rate and
    the audio is resampled here. ``backend`` replaces the ``sounddevice`` module (tests).
    """

    def __init__(
        self,
        device: int | str | None = None,
        channel: Channel = "mix",
        block_s: float = 0.032,
        input_channels: int | None = None,
        sample_rate: int | None = None,
        *,
        backend: Any = None,
    ) -> None:
        _check_block_s(block_s)
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
        self._sd = backend if backend is not None else _import_sounddevice()
        self.device = device
        self.channel = channel
        self.block_s = block_s
        self.overflows = 0
        info = self._device_info()
        available = int(info["max_input_channels"])
        # Two channels when the device has them: mix averages, left/right pick one.
        self.input_channels = input_channels or min(available, 2)
        if self.input_channels > available:
            raise AudioError(
                f"input device {info['name']!r} has {available} channel(s), "
                f"{self.input_channels} asked for: ask for fewer\n{_device_help(self._sd)}"
            )
        self.sample_rate = sample_rate or self._pick_rate(info)
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(
            maxsize=max(2, round(_QUEUE_S / block_s))
        )
        self._closed = threading.Event()
        self._stream: Any = None

    def _device_info(self) -> Any:
        try:
            return self._sd.query_devices(self.device, kind="input")
        except (ValueError, self._sd.PortAudioError) as exc:
            what = "no default input device" if self.device is None else f"{self.device!r}"
            raise AudioError(
                f"cannot open input device {what}: {exc}\n{_device_help(self._sd)}"
            ) from exc

    def _pick_rate(self, info: Any) -> int:
        try:
            self._sd.check_input_settings(
                device=self.device,
                channels=self.input_channels,
                samplerate=SAMPLE_RATE,
                dtype="float32",
            )
            return SAMPLE_RATE
        except (ValueError, self._sd.PortAudioError):
            return round(float(info["default_samplerate"]))

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self.overflows += 1

    def start(self) -> None:
        """Open and start the input stream (:meth:`blocks` does it if not done yet)."""
        if self._stream is not None:
            return
        try:
            self._stream = self._sd.InputStream(
                device=self.device,
                channels=self.input_channels,
                samplerate=self.sample_rate,
                blocksize=max(1, round(self.block_s * self.sample_rate)),
                dtype="float32",
                callback=self._callback,
            )
            self._stream.start()
        except (ValueError, self._sd.PortAudioError) as exc:
            raise AudioError(
                f"cannot record from input device {self.device!r} at {self.sample_rate} Hz "
                f"with {self.input_channels} channel(s): {exc}\n{_device_help(self._sd)}"
            ) from exc

    def blocks(self) -> Iterator[np.ndarray]:
        if self._closed.is_set():
            return
        self.start()
        resampler = StreamResampler(self.sample_rate) if self.sample_rate != SAMPLE_RATE else None
        while not self._closed.is_set():
            block = self._queue.get()
            if block is None:  # close() wakes us up
                break
            mono = select_channel(block, self.channel)
            yield resampler.process(mono) if resampler is not None else mono

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
        # Wake a consumer blocked on get(); drop a block if the queue is full.
        with contextlib.suppress(queue.Empty, queue.Full):
            if self._queue.full():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
