"""The simulated room of the test rig: a seeded impulse response, and the speaker and microphone
on one clock, so the echo lands on the same microphone sample whatever the machine's load."""

from __future__ import annotations

import numpy as np

from assistant.audio.room import RoomParams, SharedClock, impulse_response, room_pair
from assistant.core.clock import Clock

RATE = 16000


def test_the_impulse_response_is_seeded_and_starts_after_the_delay():
    p = RoomParams(delay_ms=30, seed=3)
    h = impulse_response(p)
    assert np.array_equal(h, impulse_response(p)) and not np.array_equal(h, impulse_response(RoomParams(seed=4)))
    assert int(np.argmax(np.abs(h))) == 30 * RATE // 1000
    assert np.all(h[:30 * RATE // 1000 - 1] == 0)
    assert abs(20 * np.log10(np.max(np.abs(h))) + 18) < 1  # the direct path's gain


class ManualTicks:
    """Stands in for the shared clock's thread: the test ticks it."""

    running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False


def test_a_click_played_comes_back_into_the_microphone_after_the_rooms_delay(tmp_path):
    mic, speaker = room_pair([], tmp_path / "out.wav", 16000, Clock(), RoomParams(delay_ms=50, noise_dbfs=None))
    shared: SharedClock = mic.shared
    shared._pacer = ManualTicks()
    heard: list[np.ndarray] = []
    mic.on_block = lambda block, at: heard.append(block)
    speaker.start()
    mic.start()
    click = np.zeros(320, np.float32)
    click[0] = 1.0
    speaker.play(click)  # the speaker's first block, handed over at tick 2 (20 ms)
    for _ in range(30):
        shared._step(0.0)
    audio = np.concatenate(heard)
    assert len(audio) == 10 * 480  # one 30 ms block every third 10 ms tick
    assert int(np.argmax(np.abs(audio))) == 20 * RATE // 1000 + 50 * RATE // 1000
    mic.close()
    speaker.close()
    speaker.save()
