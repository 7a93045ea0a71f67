"""A wake-word detector for tests of the daemon core: it "hears" the phrase in any loud burst."""

from __future__ import annotations

from typing import Optional

import numpy as np

from assistant.wake.base import WakeHit


class FakeWakeDetector:
    """Fires once per burst of samples at or above ``level``, at the end of the block it ends in."""

    name = "fake"

    def __init__(self, phrase: str = "hey computer", level: float = 0.9) -> None:
        self.phrase, self.level = phrase, level
        self.phrases = (phrase,)
        self.samples_fed = 0
        self.resets = 0
        self._in_burst = False

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        self.samples_fed += len(block)
        loud = bool(np.abs(block).max(initial=0.0) >= self.level)
        hit = None
        if self._in_burst and not loud:
            hit = WakeHit(self.phrase, 1.0, self.name, self.samples_fed - len(block))
        self._in_burst = loud
        return hit

    def reset(self) -> None:
        self.resets += 1
        self._in_burst = False
