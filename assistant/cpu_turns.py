"""Piper and llama.cpp take turns on the CPU instead of fighting over it.

Both engines use every core and spin their threads while they wait for each other at
barriers. Run together on a small board, each slows the other far more than running one
after the other would: the first sentence took over twice as long to synthesize while
the model was still writing. Speech is what the user is waiting for, so synthesis goes
first and the model pauses between two tokens until it is done.
"""

from __future__ import annotations

import threading
import time

POLL_S = 0.05
"""How often a paused generation looks at its cancel flag."""


class CpuTurns:
    """Synthesis holds the CPU; the LLM thread waits between tokens while it does."""

    def __init__(self) -> None:
        self._holds = 0
        self._lock = threading.Lock()
        self._free = threading.Event()
        self._free.set()

    def hold(self) -> None:
        """Synthesis is starting: the model stops after its current token."""
        with self._lock:
            self._holds += 1
            self._free.clear()

    def release(self) -> None:
        """Synthesis is over (or abandoned): the model may go on."""
        with self._lock:
            self._holds = max(0, self._holds - 1)
            if not self._holds:
                self._free.set()

    def wait(self, cancel: threading.Event) -> float:
        """Block the LLM thread while synthesis holds the CPU; seconds it waited."""
        if self._free.is_set():
            return 0.0
        start = time.monotonic()
        while not self._free.wait(POLL_S) and not cancel.is_set():
            pass
        return time.monotonic() - start
