"""Helpers shared by the tests: paths, text, fake models, the daemon harnesses."""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The project folder."""
ASSISTANT = [sys.executable, "-m", "assistant"]
"""The command line, run as a separate process."""
WAKE = "Hey Mycroft."
"""The default wake word (wake.models: hey_mycroft), as the tests speak it."""


def words(text: str) -> set[str]:
    """Lower-case words of a transcript without punctuation."""
    return {w.strip(".,!?;:'\"").lower() for w in text.split()} - {""}


def feed(detector, audio, block: int = 480) -> list:
    """The hits of a wake detector (or spotter) fed ``audio`` in blocks of ``block`` samples."""
    return [h for s in range(0, len(audio), block) if (h := detector.accept(audio[s:s + block])) is not None]


def seed_native_rand(seed: int) -> None:
    """Seed the C library's rand(), which Kaldi (vosk) draws on while decoding: the same
    audio decoded twice in one process can give two transcripts otherwise."""
    ctypes.CDLL(None).srand(seed)


def runtime_modules() -> list[tuple[str, Path]]:
    """(dotted name, path) of every module of the assistant package, in every sub-folder."""
    package = ROOT / "assistant"
    return [(".".join(("assistant",) + p.relative_to(package).with_suffix("").parts), p)
            for p in sorted(package.rglob("*.py"))]
