"""Shared fixtures: real engines loaded once per session, spoken questions made here."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
ASSISTANT = [sys.executable, "-m", "assistant"]


def seed_native_rand(seed: int) -> None:
    """Seed the C library's rand(), which Kaldi (vosk) draws on while decoding: the same
    audio decoded twice in one process can give two transcripts otherwise."""
    ctypes.CDLL(None).srand(seed)


@pytest.fixture(autouse=True)
def _native_rand_seeded():
    """Every test starts from the same rand() state, whatever ran before it."""
    seed_native_rand(0)


@pytest.fixture(scope="session")
def config():
    """The shipped config, with piper's chance variation off: a test that transcribes what
    the assistant said hears the same rendition on every run."""
    import dataclasses

    from assistant.config import load_config

    shipped = load_config(ROOT / "config.yaml")
    tts = dataclasses.replace(shipped.settings.tts, variation=False)
    return dataclasses.replace(shipped, settings=dataclasses.replace(shipped.settings, tts=tts))


@pytest.fixture(scope="session")
def engines(config):
    from assistant.engines import load_engines

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


def words(text: str) -> set[str]:
    """Lower-case words of a transcript without punctuation."""
    return {w.strip(".,!?;:'\"").lower() for w in text.split()} - {""}
