"""A meeting for the demo's minutes: the first meeting of bench/speech_corpus.txt, spoken by
Piper into a WAV file that one demo terminal transcribes (``edge run --speech-from``) when
the hub starts a minutes session in its room.
"""

import logging
import random
from pathlib import Path

from devtools import tts
from devtools.processes import ROOT

CORPUS = ROOT / "bench" / "speech_corpus.txt"
log = logging.getLogger(__name__)


def first_meeting(corpus: Path = CORPUS) -> tuple[str, list[str]]:
    """(title, sentences) of the corpus's first meeting."""
    title, sentences = "", []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            if title:
                break
            title = line[3:].strip()
        elif title and line.strip() and not line.startswith("#"):
            sentences.append(line.strip())
    return title, sentences


def make_meeting_audio(path: Path) -> Path | None:
    """The meeting as a WAV file (cached by devtools.tts), or None without Piper."""
    _, sentences = first_meeting()
    pauses = random.Random(7)  # the same natural-looking pauses every run
    gaps = [pauses.uniform(0.4, 1.2) for _ in sentences[1:]]
    try:
        samples, _ = tts.speak_script(sentences, gaps)
    except tts.TTSUnavailable as exc:
        log.warning("no demo minutes: %s", exc)
        return None
    import soundfile

    soundfile.write(path, samples, tts.SAMPLE_RATE)
    return path
