"""What the daemon needs from a voice."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Protocol

import numpy as np

from assistant.audio.format import Clip


class TextToSpeech(Protocol):
    """A loaded voice; its calls block, so the daemon runs them in a worker thread."""

    name: str
    """Engine name: piper, or that of a fake or remote engine."""
    model_path: Path
    """The voice file (for reports)."""
    rate: int
    """Sample rate of the audio it makes."""

    def stream(self, text: str) -> Iterator[np.ndarray]:
        """float32 audio at ``rate``, one chunk per sentence, as soon as each is ready."""

    def synthesize(self, text: str) -> Clip:
        """The whole text as one clip."""
