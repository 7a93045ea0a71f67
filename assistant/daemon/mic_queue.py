"""Microphone blocks on their way from the audio thread to the loop."""

from __future__ import annotations

import asyncio
import collections

import numpy as np

MAX_QUEUED_BLOCKS = 400  # about 12 s of 30 ms blocks; older audio is dropped if the loop stalls


class MicQueue:
    """A bounded queue of (block, arrival time), filled and emptied on the loop."""

    def __init__(self, limit: int = MAX_QUEUED_BLOCKS) -> None:
        self._blocks: collections.deque[tuple[np.ndarray, float]] = collections.deque(maxlen=limit)
        self._ready = asyncio.Event()

    def put(self, block: np.ndarray, at: float) -> None:
        """Queue a block (on the loop: the audio thread hands it over with call_soon_threadsafe)."""
        self._blocks.append((block, at))
        self._ready.set()

    def pending(self) -> int:
        """Blocks waiting to be analysed."""
        return len(self._blocks)

    async def get(self) -> tuple[np.ndarray, float]:
        """The oldest block, waiting for one."""
        while not self._blocks:
            self._ready.clear()
            await self._ready.wait()
        return self._blocks.popleft()

    async def first(self, stop: asyncio.Event) -> bool:
        """Wait for audio to arrive (True, the block stays queued) or for ``stop`` (False)."""
        arrived = asyncio.ensure_future(self._ready.wait())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({arrived, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (arrived, stopped):
            task.cancel()
        return bool(self._blocks)
