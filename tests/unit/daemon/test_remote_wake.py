"""A wake word heard by a Wyoming server: the daemon streams to it, wakes on its detections,
and treats a lost server like a lost microphone (reported once, re-opened with back-off)."""

from __future__ import annotations

import asyncio

import numpy as np
from support.fake_rig import WAKE, quiet, start_rig, tone
from support.wyoming import InProcessServer, fake_services

from assistant.config.settings import WakeSettings
from assistant.wake.wyoming import WyomingWakeDetector


async def wake_through_server(rig, timeout_s: float = 5.0) -> None:
    """Say the burst, then keep the microphone going until the daemon listens."""
    mark = len(rig.events)
    rig.mic.push(np.concatenate([WAKE, quiet(0.06)]))
    for _ in range(int(timeout_s / 0.03)):
        if "listening" in rig.types(mark):
            return
        rig.mic.push(quiet(0.03))
        await asyncio.sleep(0.03)
    raise AssertionError(f"no wake; saw {rig.types(mark)}")


async def off_loop(fn) -> None:
    """Start or stop the server from another thread (its own loop waits for it)."""
    await asyncio.get_running_loop().run_in_executor(None, fn)


async def comes_back(rig, server, after: int = 0):
    """The server starts again: the daemon reconnects, and wakes through it once more."""
    await off_loop(server.start)
    await rig.until("recovered", after=after)
    await wake_through_server(rig)
    await rig.stop()
    return rig


def run_with(server, main):
    try:
        return asyncio.run(main())
    finally:
        server.stop()


def test_a_wake_server_wakes_the_daemon_and_a_lost_one_is_reopened():
    server = InProcessServer(fake_services())
    wake = WyomingWakeDetector(server.uri, WakeSettings(), connect_s=2)

    async def main():
        rig = await start_rig(wake=wake)
        await wake_through_server(rig)
        rig.mic.push(tone(0.6))
        rig.mic.push(quiet(1.0))
        await rig.until("turn_done")
        await rig.until("idle", after=len(rig.events) - 1)
        rig.daemon.supervisor.delays = (0.2, 0.2, 0.2, 0.2, 0.2, 0.2)
        await off_loop(server.stop)
        error = await rig.until("error")
        await asyncio.sleep(0.5)  # a failed re-open or two: still one report
        return await comes_back(rig, server, after=rig.events.index(error))

    rig = run_with(server, main)
    errors = rig.of("error")
    assert len(errors) == 1 and errors[0].data["stage"] == "wake"
    assert errors[0].data["message"].startswith(f"wake.wyoming_uri {server.uri}: ")
    assert rig.of("recovered")[0].data == {"device": "wake"}
    assert rig.of("wake")[0].data["phrase"] == "hey computer"
    assert len(rig.of("wake")) == 2 and wake._stream is None  # closed at shutdown


def test_a_wake_server_that_never_comes_back_exits_for_systemd_to_restart():
    server = InProcessServer(fake_services())
    wake = WyomingWakeDetector(server.uri, WakeSettings(), connect_s=2)

    async def main():
        rig = await start_rig(wake=wake)
        rig.daemon.supervisor.delays = (0.01, 0.01)
        await off_loop(server.stop)
        return rig, await asyncio.wait_for(rig.task, 5)

    rig, code = asyncio.run(main())
    assert code == 75
    assert rig.of("stopping")[0].data["reason"] == "wake lost"
    assert "the wake-word server did not come back" in rig.of("error")[-1].data["message"]


def test_a_wake_server_missing_at_start_is_waited_for():
    server = InProcessServer(fake_services())
    server.stop()
    wake = WyomingWakeDetector(server.uri, WakeSettings(), connect_s=2)

    async def main():
        rig = await start_rig(wake=wake)  # ready: the microphone works; the button would too
        await rig.until("error")
        return await comes_back(rig, server)

    rig = run_with(server, main)
    assert rig.of("error")[0].data["stage"] == "wake" and "cannot connect" in rig.of("error")[0].data["message"]
