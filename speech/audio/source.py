"""The one interface every audio source offers: 16 kHz mono float32 blocks, in order."""

from collections.abc import Iterator
from typing import Literal, Protocol

import numpy as np

SAMPLE_RATE = 16_000  # what Whisper and Silero VAD take

#: Which channel of a stereo input to use; ``mix`` averages them.
Channel = Literal["mix", "left", "right"]
CHANNELS: tuple[Channel, ...] = ("mix", "left", "right")


class AudioError(Exception):
    """Audio that cannot be read (corrupt, empty, unsupported) or a device that cannot be
    opened. The message says what is wrong and how to fix it; CLIs exit 1 on it."""


class AudioSource(Protocol):
    """Yields float32 arrays in [-1, 1] at :data:`SAMPLE_RATE`, mono, of any length."""

    def blocks(self) -> Iterator[np.ndarray]: ...

    def close(self) -> None: ...
