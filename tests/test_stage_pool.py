"""A stage whose call overruns gives its typed error at once and keeps working afterwards."""

from __future__ import annotations

import asyncio
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
