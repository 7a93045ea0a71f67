"""A scripted recognizer for tests of the daemon core: no model, answers in microseconds."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from assistant.stt.base import SENTENCE_MARKS, Transcript


class FakeSpeechToText:
    """Hears what ``script(samples)`` says it hears; by default ``text`` for any audio with sound.

    Records every call (``calls``) so tests can see when the daemon transcribed what.
    """

    name = "fake"
    model_path = Path("fake-stt")

    def __init__(self, text: str = "what is the capital of france?",
                 script: Callable[[np.ndarray], str] | None = None, confidence: float = 0.9,
                 fail: Exception | None = None) -> None:
        self.script = script or (lambda samples: text if np.abs(samples).max(initial=0.0) > 0.01 else "")
        self.confidence = confidence
        self.fail = fail
        self.calls: list[int] = []
        """Length in samples of each audio transcribed."""

    def transcribe(self, samples: np.ndarray) -> str:
        return self.transcript(samples, closing=False).text

    def transcript(self, samples: np.ndarray, closing: bool = True) -> Transcript:
        self.calls.append(len(samples))
        if self.fail is not None:
            raise self.fail
        text = self.script(samples).strip()
        closed = closing and text.endswith(SENTENCE_MARKS)
        return Transcript(text, self.confidence if closed else None)

    def words(self, samples: np.ndarray, max_tokens: int, word_times: bool) -> Transcript:
        text = self.transcribe(samples)
        count = len(text.split())
        ends = tuple(len(samples) / 16000 * (i + 1) / count for i in range(count)) if word_times else ()
        return Transcript(text, word_ends_s=ends)
