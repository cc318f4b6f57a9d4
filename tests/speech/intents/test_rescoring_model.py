"""Rescoring with the real tiny.en: Whisper's decoder scores sentences under the audio."""

import math
from pathlib import Path

import numpy as np

from speech.intents.loading import load_grammar
from speech.intents.matcher import Matcher
from speech.intents.rescoring import RescoringSettings, rescore
from speech.short_window import ShortWindowTranscriber
from speech.transcriber import Transcriber, join_texts
from tests.speech.audio_fixtures import silence, synthesize

GRAMMAR = Path(__file__).resolve().parents[3] / "speech" / "intents" / "grammars" / "room_en.yaml"


def test_the_sentence_said_scores_best_and_rescoring_reads_it(tiny_en: Transcriber) -> None:
    audio = np.concatenate(
        [silence(0.3), synthesize(("Hold this room for fifteen minutes.",))[0], silence(0.3)]
    )
    heard, scorer = ShortWindowTranscriber(tiny_en).hear(audio)
    assert scorer is not None
    text = join_texts(heard.segments)
    said, other, unrelated = scorer(
        ["Hold this room for 15 minutes.", "Hold this room for 50 minutes.", "Stop the minutes."]
    )
    assert math.isfinite(said) and said > other > unrelated
    assert scorer([""]) == [-math.inf]  # nothing to score

    matcher = Matcher(load_grammar(GRAMMAR, "en"))
    rescoring = rescore([text, *heard.alternatives], matcher, scorer, RescoringSettings())
    best = max(rescoring.candidates, key=lambda c: c.score)
    assert (best.parse.intent, best.parse.slots) == ("book_room", {"duration": 15})
    assert best.score >= rescoring.reference - RescoringSettings().margin
