"""Piper and llama.cpp take turns on the CPU instead of fighting over it.

Both engines use every core and spin their threads while they wait for each other at
barriers. Run together on a small board, each slows the other far more than running one
after the other would: the first sentence took over twice as long to synthesize while
the model was still writing. Speech is what the user is waiting for, so synthesis goes
first and the model pauses between two tokens until it is done. Synthesis also waits for
the token being computed to finish (bounded), so neither ever runs beside the other.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

POLL_S = 0.05
"""How often a paused generation looks at its cancel flag."""
PARK_WAIT_S = 0.5
"""Longest a synthesis waits for the token being computed (a slow model must not hold speech back)."""


class CpuTurns:
    """Synthesis holds the CPU; the LLM thread waits between tokens while it does."""

    def __init__(self, park_wait_s: float = PARK_WAIT_S) -> None:
        self.park_wait_s = park_wait_s
        """Longest a synthesis waits for the token being computed."""
        self._holds = 0
        self._lock = threading.Lock()
        self._free = threading.Event()
        self._free.set()
        self._computing = 0
        self._parked = threading.Event()
        """Set while no token is being computed."""
        self._parked.set()

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

    @property
    def held(self) -> bool:
        """Whether a synthesis holds the CPU now."""
        return not self._free.is_set()

    @contextlib.contextmanager
    def computing(self, cancel: threading.Event) -> Iterator[float]:
        """The LLM thread computes one token inside this block, once no synthesis holds the
        CPU (or ``cancel`` is set); yields the seconds it waited for that."""
        start, waited = time.monotonic(), False
        while True:
            with self._lock:  # checked and marked at once: no token starts after a hold
                if not self._holds or cancel.is_set():
                    self._computing += 1
                    self._parked.clear()
                    break
            waited = True
            self._free.wait(POLL_S)
        try:
            yield time.monotonic() - start if waited else 0.0
        finally:
            with self._lock:
                self._computing -= 1
                if not self._computing:
                    self._parked.set()

    def wait_parked(self, timeout_s: float | None = None) -> float:
        """Block a synthesis thread until no token is being computed (at most ``timeout_s``,
        ``park_wait_s`` by default); seconds it waited."""
        if self._parked.is_set():
            return 0.0
        start = time.monotonic()
        self._parked.wait(self.park_wait_s if timeout_s is None else timeout_s)
        return time.monotonic() - start
