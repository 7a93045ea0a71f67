"""What the daemon needs from a wake-word detector, and what a detection says.

Every detector takes 16 kHz float32 blocks of any length from one thread and counts
positions in samples of the audio it was fed (``samples_fed``), so hits and the
refractory period do not depend on wall time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Protocol

import numpy as np

from assistant.audio.format import ENGINE_RATE


@dataclass(frozen=True)
class WakeHit:
    """One detection of a wake phrase."""

    phrase: str
    """The configured phrase that was heard (normalised: lower case, single spaces)."""
    score: float
    """Engine-specific confidence in 0..1 (model score, similarity, word confidence or 1 for keyword spotting)."""
    engine: str
    """Name of the detector that fired: micro, openwakeword, vosk, vad-whisper or pocketsphinx."""
    end_sample: int
    """Absolute index in the fed stream where the phrase ended; the question starts after it."""


class WakeDetector(Protocol):
    """What the daemon needs from a wake-word engine."""

    name: str
    """Engine name, as in WakeSettings.engine."""
    samples_fed: int
    """Samples accepted since creation; ``samples_fed - hit.end_sample`` is how far back the phrase ended."""
    phrases: tuple[str, ...]
    """The phrases it wakes on (normalised): the events name them and questions start without them."""

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Feed 16 kHz float32 mono audio of any length; a hit when a phrase ended in it (or just before)."""

    def reset(self) -> None:
        """Drop buffered audio, engine state and the refractory period (the sample count carries on)."""


class RemoteWakeDetector(WakeDetector, Protocol):
    """A detector on another machine: the daemon opens it, and re-opens it when it is lost."""

    on_error: Optional[Callable[[str], None]]
    """Called once, from any thread, when the connection is lost."""

    def start(self) -> None:
        """Connect and begin detecting; WakeError when the server cannot be reached."""

    def close(self) -> None:
        """Stop detecting and disconnect."""


def is_remote(wake) -> bool:
    """True for a detector the daemon must open and watch like a device."""
    return wake is not None and callable(getattr(wake, "start", None))


class Refractory:
    """Suppresses hits that end within ``seconds`` of fed audio after the previous hit."""

    def __init__(self, seconds: float):
        self.samples = int(seconds * ENGINE_RATE)
        self._last_end: Optional[int] = None

    def admit(self, hit: Optional[WakeHit]) -> Optional[WakeHit]:
        """The hit, or None when it falls in the refractory period of the previous one."""
        if hit is None:
            return None
        if self._last_end is not None and hit.end_sample < self._last_end + self.samples:
            return None
        self._last_end = hit.end_sample
        return hit

    def clear(self) -> None:
        """Forget the previous hit (the daemon stopped feeding audio in between)."""
        self._last_end = None
