"""One worker thread per pipeline stage, with a time limit that cannot wedge the stage.

A native call (whisper, llama.cpp, piper) cannot be interrupted from Python. When one
overruns its limit, the caller gets the stage's typed error at once and the stage gets
a fresh thread; the stuck one is abandoned and ends when its call returns.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


def forget(job: asyncio.Future) -> None:
    """Nobody awaits ``job`` any more: its late error is expected, not an "exception was
    never retrieved" traceback on stderr."""
    job.add_done_callback(lambda done: done.cancelled() or done.exception())


async def wait_within(future: asyncio.Future, timeout_s: float) -> bool:
    """Wait up to ``timeout_s`` for ``future``; True once it is done. It is never cancelled here.

    Not asyncio.wait_for: before Python 3.12 that swallows a cancellation arriving just as
    the awaited future completes, and a cancelled turn (barge-in, shutdown) carried on.
    """
    if future.done():  # no await: a pending cancellation lands at the caller's next one
        return True
    done, _ = await asyncio.wait({future}, timeout=timeout_s)
    return bool(done)


class StagePool:
    """A single-thread executor for one stage (stt, llm, tts, audio)."""

    def __init__(self, name: str, error_type: type[Exception]) -> None:
        self.name = name
        self.error_type = error_type
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=name)

    def submit(self, fn, *args) -> asyncio.Future:
        """Run ``fn(*args)`` on the stage's thread; an awaitable for the loop."""
        return asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def run(self, timeout_s: float, fn, *args):
        """``fn(*args)`` on the stage's thread, or the stage's error after ``timeout_s``."""
        return await self.wait(self.submit(fn, *args), timeout_s)

    async def wait(self, job: asyncio.Future, timeout_s: float):
        """Await a job of this stage for at most ``timeout_s``."""
        if not await wait_within(job, timeout_s):  # the job runs on if we are cancelled
            self.abandon(job)
            raise self.error_type(f"{self.name} took over {timeout_s:g} s and was abandoned")
        return job.result()

    def abandon(self, job: asyncio.Future | None = None) -> None:
        """Give the stage a fresh thread; the old one finishes its call unobserved."""
        log.warning("%s: a call overran its limit; starting a fresh worker thread", self.name)
        if job is not None:
            forget(job)
        old, self.executor = self.executor, ThreadPoolExecutor(1, thread_name_prefix=self.name)
        old.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Let the thread end after its current call."""
        self.executor.shutdown(wait=False, cancel_futures=True)
