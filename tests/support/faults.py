"""Faults injected into real engines."""

from __future__ import annotations

import time


class OneFault:
    """A real engine whose call to ``method`` number ``after + 1`` raises ``error`` or hangs ``hang_s``."""

    def __init__(self, engine, method: str, error: Exception | None = None, hang_s: float = 0.0,
                 after: int = 0):
        self._engine, self._method, self._error, self._hang_s = engine, method, error, hang_s
        self._calls, self._after = 0, after
        self.faults = 0

    def __getattr__(self, name):
        attr = getattr(self._engine, name)
        if name != self._method or self.faults:
            return attr
        self._calls += 1
        if self._calls <= self._after:
            return attr

        def faulty(*args, **kwargs):
            self.faults += 1
            if self._hang_s:
                time.sleep(self._hang_s)  # a native call that does not return in time...
                raise RuntimeError("gave up")  # ...and when it does, nobody is waiting for it
            if self._error is not None:
                raise self._error
            return attr(*args, **kwargs)

        return faulty
