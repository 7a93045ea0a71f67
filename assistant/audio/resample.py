"""Block-by-block resampling of a live stream (the microphone) without edge clicks."""

from __future__ import annotations

import numpy as np
import soxr


class StreamResampler:
    """Resamples consecutive blocks as one continuous signal; a pass-through at equal rates."""

    def __init__(self, src_rate: int, dst_rate: int, quality: str = "HQ") -> None:
        """``quality`` is soxr's: HQ holds back 20-40 ms of output and releases it in bursts;
        QQ holds back one sample (the echo canceller's reference must not arrive late)."""
        self.passthrough = src_rate == dst_rate
        self._stream = None if self.passthrough else soxr.ResampleStream(
            src_rate, dst_rate, 1, dtype="float32", quality=quality)

    def process(self, block: np.ndarray) -> np.ndarray:
        """The resampled block (may be a few samples shorter or longer than the exact ratio)."""
        if self.passthrough:
            return block
        return self._stream.resample_chunk(np.ascontiguousarray(block, dtype=np.float32))

    def flush(self) -> np.ndarray:
        """The samples still held in the filter at the end of the stream."""
        if self.passthrough:
            return np.zeros(0, np.float32)
        return self._stream.resample_chunk(np.zeros(0, np.float32), last=True)
