"""Barge-in by voice: while the assistant thinks or speaks, the echo-cancelled microphone is
fed to the wake-word detector and to the spotter of commands said alone ("stop").

Only when the echo is cancelled (audio.echo_cancel, or a microphone that does it itself:
wake.during_speech); otherwise the detectors are off while it speaks, or the assistant
would hear itself. While someone speaks over the reply, the reply is ducked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.audio.format import ENGINE_RATE
from assistant.wake.base import WakeHit


@dataclass(frozen=True)
class VoiceCommand:
    """What was heard over a reply."""

    hit: WakeHit
    """The detection (its phrase, engine and end)."""
    stop: bool
    """True for a stop phrase (back to idle), False for the wake phrase (listen)."""
    phrase_end_at: float
    """Monotonic time at which the phrase ended, as the detector placed it."""
    after: int
    """Samples the detector needed after the phrase's end before it decided."""


class VoiceBargeIn:
    """Feeds the detectors while a reply is on its way; ducks the reply while someone talks over it."""

    def __init__(self, enabled: bool, wake, spotter, stop_phrases: tuple[str, ...], speaker,
                 duck_db: float) -> None:
        self.enabled = enabled
        """True when the microphone is echo-cancelled: the detectors may run over a reply."""
        self.wake, self.spotter, self.stop_phrases = wake, spotter, stop_phrases
        self.speaker, self.duck_db = speaker, duck_db
        self._active = False  # fed the previous block: the detectors' state is current
        self._ducked = False

    def detect(self, block: np.ndarray, block_end_at: float) -> VoiceCommand | None:
        """On the audio worker: feed one cleaned block; a command when one was heard."""
        if not self._active:  # a new reply: what was heard before it is not part of a phrase
            self._active = True
            if self.spotter is not None:
                self.spotter.reset()
        found = None
        for detector in (self.spotter, self.wake):
            if detector is None:
                continue
            hit = detector.accept(block)
            if hit is not None and found is None:
                after = detector.samples_fed - hit.end_sample
                stop = detector is self.spotter and hit.phrase in self.stop_phrases
                found = VoiceCommand(hit, stop, block_end_at - after / ENGINE_RATE, after)
        return found

    def duck_while_spoken(self) -> None:
        """On the loop, after ``detect``: duck the reply while someone speaks over it."""
        self._duck(self.spotter is not None and self.spotter.in_speech)

    def idle(self) -> None:
        """The reply is over (or was never begun): stop ducking, start afresh next time."""
        self._active = False
        self._duck(False)

    def _duck(self, on: bool) -> None:
        if self.duck_db > 0 and on != self._ducked:
            self._ducked = on
            self.speaker.duck(self.duck_db if on else 0.0)
