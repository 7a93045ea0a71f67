"""One background asyncio loop for the network clients.

The engines' calls block (the daemon runs them in worker threads), while the wyoming
package's client is asyncio: each blocking call runs its coroutine on this loop and waits.
The loop thread starts with the first network client, so the default set-up never has it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Awaitable, Callable

_shared: "LoopThread | None" = None
_lock = threading.Lock()


class LoopThread:
    """An event loop running forever in a daemon thread."""

    def __init__(self, name: str = "net") -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable, timeout_s: float | None = None) -> Any:
        """Run ``coro`` on the loop and block until it ends; TimeoutError after ``timeout_s``."""
        future = self.spawn(coro)
        try:
            return future.result(timeout_s)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no result within {timeout_s:g} s") from None

    def spawn(self, coro: Awaitable) -> concurrent.futures.Future:
        """Start ``coro`` on the loop without waiting for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, fn: Callable, *args) -> None:
        """Call ``fn(*args)`` on the loop, soon."""
        self.loop.call_soon_threadsafe(fn, *args)


def shared_loop() -> LoopThread:
    """The process's network loop, started on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = LoopThread()
        return _shared
