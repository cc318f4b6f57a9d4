"""How well texts fit an utterance's audio, by Whisper's own decoder: for grammar rescoring.

The encoder output of a decode is kept; each text's tokens are run through the decoder
under it (CTranslate2's ``Whisper.align``, which faster-whisper uses for word timestamps and
which returns each text token's probability given the audio and the tokens before it), all
texts in one batch. A text's score is the sum of its tokens' log probabilities: higher is
likelier. The end-of-text token is not scored (CTranslate2's alignment leaves it out).
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

PROBABILITY_FLOOR = 1e-10  # a token Whisper finds impossible still has a finite cost


class AudioTextScorer:
    """Scores texts under one utterance's encoded audio (``speech.intents.rescoring``)."""

    def __init__(
        self, model: Any, tokenizer: Any, encoded: np.ndarray, start: list[int], frames: int
    ) -> None:
        self._model = model  # ctranslate2.models.Whisper
        self._tokenizer = tokenizer  # faster_whisper.tokenizer.Tokenizer
        self._encoded = encoded  # [1, frames // 2, d_model]
        # The decoder's prompt without <|notimestamps|>: align adds it.
        self._start = start[:-1] if start and start[-1] == tokenizer.no_timestamps else start
        self._frames = frames

    def __call__(self, texts: Sequence[str]) -> list[float]:
        import ctranslate2

        tokens = [self._tokenizer.encode(" " + t.strip()) if t.strip() else [] for t in texts]
        scored = [i for i, t in enumerate(tokens) if t]
        out = [-math.inf] * len(texts)
        if not scored:
            return out
        batch = np.repeat(self._encoded, len(scored), axis=0)
        results = self._model.align(
            ctranslate2.StorageView.from_array(batch),
            self._start,
            [tokens[i] for i in scored],
            self._frames,
        )
        for i, result in zip(scored, results, strict=True):
            out[i] = sum(math.log(max(p, PROBABILITY_FLOOR)) for p in result.text_token_probs)
        return out
