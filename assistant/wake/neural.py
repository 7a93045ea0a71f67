"""What the neural wake-word engines (micro, openwakeword) share: model specs, scoring blocks
of audio with several models on one feature front end, thresholds and the refractory period.

An engine supplies a *backend*: ``process(pcm16 bytes)`` yields one score per model for each
step of its front end (microWakeWord: every 10 ms, a new inference every 30 ms;
openWakeWord: every 80 ms), and ``reset()``. This module turns scores into hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Protocol, Sequence

import numpy as np

from assistant.core.errors import ModelError
from assistant.wake.base import Refractory, WakeHit
from assistant.wake.phrases import normalise

PIECE = 480
"""Samples handed to a backend at once (30 ms): a hit is stamped at most this late, whatever the block size."""


@dataclass(frozen=True)
class ModelSpec:
    """One configured wake-word model, its file already located."""

    key: str
    """The config key it came from (``wake.models[0].name``), for error messages."""
    name: str
    """The configured name: a built-in model name or the path as written."""
    path: Path
    """The model file (micro: its .json or .tflite; openwakeword: its .tflite)."""
    threshold: Optional[float] = None
    """Configured score threshold; None: the model's default."""
    phrase: Optional[str] = None
    """Configured phrase; None: the one the model states."""


@dataclass(frozen=True)
class Keyword:
    """A loaded model's decision rule."""

    phrase: str
    """Normalised phrase it detects."""
    threshold: float
    """It fires when its score goes above this."""


class Backend(Protocol):
    """A feature front end with its models (one score per model per step)."""

    def process(self, pcm: bytes) -> Iterator[Sequence[float]]:
        """Scores of every model for each front-end step this audio completes."""

    def reset(self) -> None:
        """Forget buffered audio and every model's state."""


class FrontEndModels:
    """A backend's shared part: one feature front end (``features``) feeding ``models``."""

    features: object
    models: list

    def reset(self) -> None:
        """Forget buffered audio and every model's state."""
        self.features.reset()
        for model in self.models:
            model.reset()


def check_tflite(path: Path, key: str, what: str) -> Path:
    """``path`` when it is a TensorFlow Lite file (TFLite would crash on anything else); ModelError otherwise."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise ModelError(f"{key}: cannot read {path} ({exc.strerror}); give {what}") from None
    if head[4:8] != b"TFL3":
        raise ModelError(f"{key}: {path} is not a TensorFlow Lite model; give {what}")
    return path


def spoken_phrase(text: Optional[str], key: str) -> str:
    """A model's phrase, normalised; ModelError when it has no words."""
    phrase = normalise(text or "")
    if not phrase:
        raise ModelError(f"{key}: the model states no wake phrase; set phrase: next to its name")
    return phrase


def to_pcm16(samples: np.ndarray) -> bytes:
    """float32 [-1, 1] to 16-bit little-endian PCM bytes, rounded and clipped."""
    scaled = np.round(np.asarray(samples, dtype=np.float32) * 32767.0)
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


def best_over(scores: Sequence[float], keywords: Sequence[Keyword]) -> Optional[tuple[int, float]]:
    """(index, score) of the model furthest above its threshold, or None when none is above."""
    best = None
    for i, (score, keyword) in enumerate(zip(scores, keywords)):
        margin = score - keyword.threshold
        if margin > 0 and (best is None or margin > best[0]):
            best = (margin, i, float(score))
    return None if best is None else (best[1], best[2])


class NeuralDetector:
    """Wake words from a neural backend: several models at once, one threshold each."""

    def __init__(self, name: str, backend: Backend, keywords: Sequence[Keyword], refractory_s: float):
        self.name = name
        """Engine name, as in wake.engine."""
        self.backend = backend
        self.keywords = tuple(keywords)
        self.phrases = tuple(dict.fromkeys(k.phrase for k in self.keywords))
        """The phrases the models detect (normalised), in configuration order."""
        self.samples_fed = 0
        """Samples accepted since creation."""
        self._refractory = Refractory(refractory_s)

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Feed audio; a hit when a model's score went above its threshold in it."""
        hit = None
        for fed, scores in self.scores(block):
            found = best_over(scores, self.keywords)
            if found is not None:
                i, score = found
                hit = hit or self._refractory.admit(WakeHit(self.keywords[i].phrase, round(score, 3), self.name, fed))
        return hit

    def scores(self, block: np.ndarray) -> Iterator[tuple[int, Sequence[float]]]:
        """(samples fed, every model's score) for each front-end step: for tuning and evaluation."""
        for start in range(0, len(block), PIECE):
            piece = block[start:start + PIECE]
            self.samples_fed += len(piece)
            for scores in self.backend.process(to_pcm16(piece)):
                yield self.samples_fed, scores

    def reset(self) -> None:
        """Drop the backend's state and the refractory period (the sample count carries on)."""
        self._refractory.clear()
        self.backend.reset()
