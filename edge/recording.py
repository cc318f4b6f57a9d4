"""Writing a minutes session's audio to disk: only when the operator enabled it.

``speech.record_audio`` is off by default and audio then never touches the disk. When it is
on, the session's capture (``edge.minutes_capture``) hands every block to a :class:`WavWriter`:
a 16-bit mono WAV file that only the terminal's user may read (mode 0600). Off the record the
writer gets silence instead of the microphone, so the file stays aligned with segment times.
:class:`RecordingSource` wraps a whole source the same way (no pauses).
"""

import os
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from speech.audio.source import SAMPLE_RATE, AudioSource


def recording_path(record_dir: Path, session_id: str) -> Path:
    """Where a session's recording goes (and where a delete looks for it)."""
    return record_dir / f"minutes-{session_id}.wav"


class WavWriter:
    """Appends float32 blocks to a private 16-bit mono WAV file; :meth:`close` finishes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created 0600 from the start: never readable by others, not even for a moment.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._wav = wave.open(self._file, "wb")  # noqa: SIM115 - closed in close()
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(SAMPLE_RATE)
        self._closed = False

    def write(self, block: np.ndarray) -> None:
        if not self._closed:
            pcm = np.clip(block, -1.0, 1.0) * 32767.0
            self._wav.writeframes(pcm.astype("<i2").tobytes())

    def write_silence(self, samples: int) -> None:
        self.write(np.zeros(samples, dtype=np.float32))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._wav.close()  # writes the final header
            self._file.close()


class RecordingSource:
    """An :class:`AudioSource` that also writes what it yields to ``path``."""

    def __init__(self, source: AudioSource, path: Path) -> None:
        self._source = source
        self.path = path
        self._writer = WavWriter(path)

    def blocks(self) -> Iterator[np.ndarray]:
        try:
            for block in self._source.blocks():
                self._writer.write(block)
                yield block
        finally:
            self._writer.close()

    def close(self) -> None:
        self._source.close()
