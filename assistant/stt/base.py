"""What the daemon needs from a speech recognizer, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

SENTENCE_MARKS = (".", "?", "!")
"""What closes a sentence in a transcript."""


@dataclass(frozen=True)
class Transcript:
    """What a recognizer heard in one stretch of audio."""

    text: str
    """The words, stripped; '' when the audio held no speech."""
    closing_confidence: float | None = None
    """The recognizer's probability of the closing . ? or ! (None: no closing mark, or not known)."""
    word_ends_s: tuple[float, ...] = ()
    """Where each word ends, in seconds from the start of the audio (only when asked for)."""


class SpeechToText(Protocol):
    """A loaded speech recognizer; its calls block, so the daemon runs them in a worker thread."""

    name: str
    """Engine name: whisper, vosk, or that of a fake or remote engine."""
    model_path: Path
    """The model folder (for reports)."""

    def transcribe(self, samples: np.ndarray) -> str:
        """The words of 16 kHz float32 mono audio; '' when it holds no speech."""

    def transcript(self, samples: np.ndarray, closing: bool = True) -> Transcript:
        """The transcript, with the closing mark's probability when ``closing`` and the engine knows it."""


class WordTimedSpeechToText(SpeechToText, Protocol):
    """A recognizer that also says where each word ends (the transcript wake-word detector needs it)."""

    def words(self, samples: np.ndarray, max_tokens: int, word_times: bool) -> Transcript:
        """A short, greedy transcript of a few words; with ``word_times`` each word's end."""
