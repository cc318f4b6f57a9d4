"""What the speech pipeline emits: a piece of transcript with its place in the audio."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    """Seconds from the start of the audio (the session's first sample is 0.0).

    ``final`` is False for an interim hypothesis of an utterance still being spoken (only
    when interim results are asked for); the final segment of the same utterance replaces it.
    """

    start: float
    end: float
    text: str
    final: bool = True
    language: str | None = None
