"""One utterance through the real tiny.en model; the hallucination filter; joined text."""

from pathlib import Path

import numpy as np
import pytest

from speech.audio.source import SAMPLE_RATE
from speech.models import ModelError
from speech.prompt import domain_prompt
from speech.segments import Segment
from speech.transcriber import Transcriber, TranscriberSettings, is_hallucination, join_texts


@pytest.mark.parametrize(
    ("text", "no_speech_prob", "ratio", "made_up"),
    [
        (" You", 0.94, 0.3, True),  # what tiny.en says to 5 s of digital silence
        ("Thanks for watching!", 0.5, 1.0, True),
        ("...", 0.0, 0.5, True),
        ("the the the the the the the the the the", 0.0, 3.1, True),
        ("Thank you.", 0.02, 0.8, False),  # said clearly: people do say it
        ("Send the slides by Friday.", 0.3, 1.1, False),
    ],
)
def test_hallucination_filter(
    text: str, no_speech_prob: float, ratio: float, made_up: bool
) -> None:
    assert is_hallucination(text, no_speech_prob, ratio) is made_up


def test_texts_join_with_spaces_except_between_chinese_characters() -> None:
    def seg(text: str) -> Segment:
        return Segment(0.0, 1.0, text)

    assert join_texts([seg("Hello there."), seg(" How are you?")]) == "Hello there. How are you?"
    assert join_texts([seg("打开客厅的灯。"), seg("谢谢")]) == "打开客厅的灯。谢谢"


def test_silence_and_noise_give_no_words(tiny_en: Transcriber) -> None:
    silence = np.zeros(5 * SAMPLE_RATE, np.float32)
    noise = np.random.default_rng(7).normal(0, 0.1, 5 * SAMPLE_RATE).astype(np.float32)
    assert tiny_en.transcribe(silence).segments == []
    assert tiny_en.transcribe(noise).segments == []


def test_times_are_offset_and_within_the_utterance(
    tiny_en: Transcriber, shared_audio: Path
) -> None:
    from faster_whisper.audio import decode_audio

    audio = decode_audio(str(shared_audio / "turn_on_the_living_room_lamp.wav"))
    result = tiny_en.transcribe(audio, offset_s=100.0)
    assert "living room lamp" in " ".join(s.text for s in result.segments).lower()
    assert all(
        100.0 <= s.start <= s.end <= 100.0 + len(audio) / SAMPLE_RATE for s in result.segments
    )
    assert {s.language for s in result.segments} == {"en"}


def test_the_domain_prompt_brings_out_a_product_name(
    tiny_en: Transcriber, shared_audio: Path
) -> None:
    from faster_whisper.audio import decode_audio

    audio = decode_audio(str(shared_audio / "hotwords.mp3"))
    plain = " ".join(s.text for s in tiny_en.transcribe(audio).segments)
    hinted = tiny_en.transcribe(audio, prompt=domain_prompt(terms=["ComfyUI"])).segments
    assert "ComfyUI" not in plain
    assert "ComfyUI" in " ".join(s.text for s in hinted)


def test_an_english_model_asked_for_chinese_fails_before_loading() -> None:
    with pytest.raises(ModelError, match="English only"):
        Transcriber.load(TranscriberSettings(model="tiny.en", language="zh"))


def test_threads_must_be_positive() -> None:
    with pytest.raises(ModelError, match="threads"):
        Transcriber.load(TranscriberSettings(threads=0))


def test_the_multilingual_model_hears_chinese(
    shared_audio: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faster_whisper.audio import decode_audio

    monkeypatch.setenv("QUORUM_MODEL_CACHE", str(tmp_path))
    base = Transcriber.load(TranscriberSettings(model="base", language="auto"))
    result = base.transcribe(decode_audio(str(shared_audio / "living_room_light_zh.wav")))
    text = join_texts(result.segments)
    assert result.language == "zh"
    assert "客" in text and ("灯" in text or "燈" in text)  # simplified or traditional
