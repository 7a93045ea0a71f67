"""A stage whose call overruns gives its typed error at once and keeps working afterwards."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from assistant.core.errors import SttError
from assistant.core.workers import StagePool


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


def test_a_cancel_that_arrives_as_the_awaited_future_completes_is_not_swallowed():
    """asyncio.wait_for before Python 3.12 returned the result and dropped the cancellation."""
    from assistant.core.workers import wait_within

    async def scenario():
        future = asyncio.get_running_loop().create_future()
        waiter = asyncio.create_task(wait_within(future, 5.0))
        await asyncio.sleep(0)  # the waiter is now waiting
        future.set_result("done")
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert await wait_within(future, 5.0)  # done already: no wait at all
        return future.result(), await wait_within(asyncio.get_running_loop().create_future(), 0.01)

    assert asyncio.run(scenario()) == ("done", False)


def test_a_timed_out_token_wait_leaves_no_getter_to_take_the_next_token():
    from assistant.daemon.responder import _next_token

    async def scenario():
        tokens: asyncio.Queue = asyncio.Queue()
        with pytest.raises(asyncio.TimeoutError):
            await _next_token(tokens, 0.01)
        tokens.put_nowait("next")
        return await _next_token(tokens, 1.0)

    assert asyncio.run(scenario()) == "next"
