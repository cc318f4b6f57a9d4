"""Silero VAD v6 (the ONNX model faster-whisper ships) run with onnxruntime, statefully.

The model looks at 512-sample windows (32 ms at 16 kHz), each preceded by the last 64
samples of the window before, and carries an LSTM state (h, c) from window to window. Here
that state is kept across calls, so a stream can be fed in pieces.
"""

import os
from pathlib import Path
from typing import Any

import numpy as np

WINDOW = 512  #: samples per model window at 16 kHz
CONTEXT = 64  #: samples of the previous window the model sees before each window
_STATE_SHAPE = (1, 1, 128)
_MAX_BATCH = 10_000  # windows per session run, as faster-whisper does


class VadModelError(Exception):
    """The VAD model or its runtime is missing; the message says how to fix it."""


def default_model_path() -> Path:
    try:
        from faster_whisper.vad import get_assets_path
    except ImportError as exc:
        raise VadModelError(
            "faster-whisper (which ships the Silero VAD model) is not installed: "
            "pip install faster-whisper"
        ) from exc
    return Path(os.path.join(get_assets_path(), "silero_vad_v6.onnx"))


class SileroVad:
    """Speech probability per 512-sample window of a 16 kHz stream."""

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        try:
            import onnxruntime
        except ImportError as exc:
            raise VadModelError(
                "onnxruntime is not installed (the VAD needs it): pip install onnxruntime"
            ) from exc
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise VadModelError(
                f"Silero VAD model not found at {path}: reinstall faster-whisper "
                "(pip install --force-reinstall faster-whisper) or give the path of "
                "silero_vad_v6.onnx"
            )
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = threads
        opts.log_severity_level = 4
        try:
            self._session: Any = onnxruntime.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise VadModelError(
                f"cannot load the Silero VAD model {path}: {exc}; reinstall faster-whisper"
            ) from exc
        self.model_path = path
        self.reset()

    def reset(self) -> None:
        """Forget the stream: the next window is treated as the first."""
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def probability(self, window: np.ndarray) -> float:
        """Speech probability of the next window of exactly :data:`WINDOW` samples."""
        if len(window) != WINDOW:
            raise ValueError(f"expected {WINDOW} samples, got {len(window)}")
        return float(self.probabilities(window)[0])

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """One probability per window of ``samples`` (a multiple of :data:`WINDOW` long).

        The windows go through the model as one batch: it treats the batch dimension as
        time, carrying h and c through it, which gives the same result as feeding them one
        at a time."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if len(samples) % WINDOW:
            raise ValueError(f"expected a multiple of {WINDOW} samples, got {len(samples)}")
        if len(samples) == 0:
            return np.zeros(0, dtype=np.float32)
        windows = samples.reshape(-1, WINDOW)
        # Each window's context is the tail of the one before; the first gets the kept tail.
        contexts = np.empty((len(windows), CONTEXT), dtype=np.float32)
        contexts[0] = self._context
        contexts[1:] = windows[:-1, -CONTEXT:]
        batch = np.concatenate([contexts, windows], axis=1)
        outputs = []
        for i in range(0, len(batch), _MAX_BATCH):
            probs, self._h, self._c = self._session.run(
                None, {"input": batch[i : i + _MAX_BATCH], "h": self._h, "c": self._c}
            )
            outputs.append(np.asarray(probs, dtype=np.float32).reshape(-1))
        self._context = windows[-1, -CONTEXT:].copy()
        return np.concatenate(outputs)
