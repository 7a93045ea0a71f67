"""A stage whose call overruns gives its typed error at once and keeps working afterwards."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from assistant.errors import SttError
from assistant.stage_pool import StagePool


def test_overrun_raises_the_stage_error_and_the_next_call_runs_on_a_fresh_thread():
    release = threading.Event()
    pool = StagePool("stt", SttError)

    async def main():
        with pytest.raises(SttError, match="stt took over 0.2 s"):
            await pool.run(0.2, release.wait)  # stuck until released
        # The stuck thread still holds the old executor; the new call is not queued behind it.
        assert await pool.run(5.0, lambda: "next") == "next"

    try:
        asyncio.run(main())
    finally:
        release.set()
        pool.close()


def test_errors_inside_the_call_pass_through():
    pool = StagePool("stt", SttError)

    def boom():
        raise ValueError("bad audio")

    with pytest.raises(ValueError, match="bad audio"):
        asyncio.run(pool.run(5.0, boom))
    pool.close()


def test_an_abandoned_call_that_fails_later_leaves_no_traceback():
    release = threading.Event()
    pool = StagePool("tts", SttError)
    unhandled = []

    def stuck():
        release.wait()
        raise RuntimeError("gave up late")

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
        job = pool.submit(stuck)
        with pytest.raises(SttError):
            await pool.wait(job, 0.1)
        release.set()
        await asyncio.wait([job])
        del job
        gc.collect()  # an unretrieved exception is reported when its future is collected

    asyncio.run(main())
    pool.close()
    assert unhandled == []


def test_a_cancel_that_arrives_as_the_awaited_item_does_is_not_swallowed():
    """asyncio.wait_for before Python 3.12 returned the item and dropped the cancellation."""
    from assistant.responder import _next_token

    async def scenario():
        tokens: asyncio.Queue = asyncio.Queue()
        task = asyncio.create_task(_next_token(tokens, 5.0))
        await asyncio.sleep(0)  # the task now waits for a token
        tokens.put_nowait("token")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(asyncio.TimeoutError):
            await _next_token(asyncio.Queue(), 0.01)
        tokens.put_nowait("later")
        return await _next_token(tokens, 1.0)

    assert asyncio.run(scenario()) in ("token", "later")
