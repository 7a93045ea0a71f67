"""The last few seconds of a stream, addressed by stream position (samples fed so far)."""

from __future__ import annotations

import collections

import numpy as np


class StreamRing:
    """Keeps about ``seconds`` of the most recent blocks with the stream position of each."""

    def __init__(self, seconds: float, rate: int) -> None:
        self.limit = int(seconds * rate)
        self.fed = 0
        """Samples fed since creation."""
        self._blocks: collections.deque[tuple[int, np.ndarray]] = collections.deque()

    def add(self, block: np.ndarray) -> None:
        """Remember a block; blocks older than the limit are dropped."""
        self._blocks.append((self.fed, block))
        self.fed += len(block)
        while self._blocks and self.fed - self._blocks[0][0] > self.limit:
            self._blocks.popleft()

    def since(self, position: int) -> np.ndarray:
        """The audio fed after stream position ``position`` (as much of it as is kept)."""
        parts = [b[max(0, position - start):] for start, b in self._blocks if start + len(b) > position]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)
