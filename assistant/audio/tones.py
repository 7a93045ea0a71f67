"""Short feedback tones, made on the fly (no sound files to ship)."""

from __future__ import annotations

import numpy as np


def tone(rate: int, freqs: tuple[float, ...], each_s: float = 0.09, gap_s: float = 0.04,
         level: float = 0.25) -> np.ndarray:
    """Beeps at ``freqs`` one after another, with soft edges so they do not click."""
    n = int(rate * each_s)
    ramp = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.01 * rate))
    parts = []
    for freq in freqs:
        t = np.arange(n) / rate
        parts += [level * ramp * np.sin(2 * np.pi * freq * t), np.zeros(int(rate * gap_s))]
    return np.concatenate(parts).astype(np.float32)


def wake_tone(rate: int) -> np.ndarray:
    """Rising two-note chime: the assistant is listening."""
    return tone(rate, (660.0, 880.0))


def error_tone(rate: int) -> np.ndarray:
    """Falling low two-note tone: something went wrong."""
    return tone(rate, (330.0, 220.0), each_s=0.14)
