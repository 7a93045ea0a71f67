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
