"""The clock seam: monotonic time and waiting, for paced audio threads."""

from __future__ import annotations

import threading
import time


class Clock:
    """Real monotonic time."""

    def now(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()

    def wait_until(self, moment: float, stop: threading.Event) -> bool:
        """Block until ``moment`` or until ``stop`` is set; True when stopped."""
        delay = moment - self.now()
        return stop.wait(delay) if delay > 0 else stop.is_set()


class Pacer:
    """Calls ``step()`` once per ``period`` on its own thread, on a steady schedule.

    The file microphone and file speaker use it to behave like a sound card's clock.
    It can be stopped and started again (a re-opened device).
    """

    def __init__(self, name: str, period: float, step, clock: Clock) -> None:
        self.name, self.period, self.step, self.clock = name, period, step, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Begin calling ``step`` now."""
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name=self.name, daemon=True)
        self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        next_at = self.clock.now()
        while not stop.is_set():
            self.step(next_at)
            next_at += self.period
            if self.clock.wait_until(next_at, stop):
                return

    def stop(self) -> None:
        """Stop and wait for the thread (unless called from it)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread() and thread.is_alive():
            thread.join(timeout=2)
