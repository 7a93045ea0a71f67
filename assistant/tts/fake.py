"""A voice for tests of the daemon core: a tone whose length follows the text, made at once."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from assistant.audio.format import Clip


class FakeTextToSpeech:
    """Speaks ``seconds_per_char`` of a quiet 440 Hz tone per character; records every text."""

    name = "fake"
    model_path = Path("fake-tts")

    def __init__(self, rate: int = 16000, seconds_per_char: float = 0.01, fail: Exception | None = None) -> None:
        self.rate = rate
        self.seconds_per_char = seconds_per_char
        self.fail = fail
        self.spoken: list[str] = []

    def stream(self, text: str) -> Iterator[np.ndarray]:
        if self.fail is not None:
            raise self.fail
        self.spoken.append(text)
        n = max(1, int(len(text) * self.seconds_per_char * self.rate))
        yield (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / self.rate)).astype(np.float32)

    def synthesize(self, text: str) -> Clip:
        return Clip(np.concatenate(list(self.stream(text))), self.rate)
