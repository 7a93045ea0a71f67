"""The echo canceller on a simulated room, fed as the daemon feeds it: the speaker's blocks with
their handing times, the microphone's with their capture times, on one simulated clock."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio.echo import FRAME, EchoCanceller, StreamClock, Timeline
from assistant.audio.room import TICK_S, Room, RoomParams

SPEAKER_RATE = 22050


def speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    """Noise shaped like speech: 3-8 Hz syllables, energy below 4 kHz, about -20 dBFS."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SPEAKER_RATE)
    noise = np.convolve(rng.standard_normal(n), np.hanning(9) / 4, "same")
    t = np.arange(n) / SPEAKER_RATE
    envelope = np.clip(np.sin(2 * np.pi * 4 * t) + 0.3 * np.sin(2 * np.pi * 7.3 * t), 0, None)
    x = noise * envelope
    return (x * (0.1 / np.sqrt(np.mean(x ** 2)))).astype(np.float32)


LOUD = RoomParams(echo_gain_db=-6.0, noise_dbfs=None)
"""A speaker close to the microphone: the echo at about -22 dBFS."""


def run_room(reply: np.ndarray, params=LOUD, jitter_s: float = 0.0, mic_block: int = 480,
             near: np.ndarray | None = None):
    """Play ``reply`` into the room from 0.3 s; (raw mic, cleaned mic, canceller)."""
    room, echo = Room(params, SPEAKER_RATE), EchoCanceller(SPEAKER_RATE)
    rng = np.random.default_rng(1)
    queue = np.concatenate([np.zeros(int(0.3 * SPEAKER_RATE), np.float32), reply, np.zeros(SPEAKER_RATE, np.float32)])
    ticks = int(len(queue) / SPEAKER_RATE / TICK_S) - 2
    room.start_playing(2 * 160)
    raw, clean, pos, played = [], [], 0, 0
    mic_period = mic_block // 160
    for tick in range(1, ticks + 1):
        now = 100.0 + tick * TICK_S
        late = float(rng.uniform(0, jitter_s))  # callbacks come late under load, never early
        if tick % 2 == 0:
            block = queue[played:played + 441]
            played += 441
            room.played(block)
            echo.reference(block.copy(), now + late)
        if tick % mic_period == 0:
            heard = room.heard(pos, mic_block)
            if near is not None:
                heard = heard + near[pos:pos + mic_block]
            pos += mic_block
            raw.append(heard)
            clean.append(echo.process(heard, now + late - mic_block / 16000))
    return np.concatenate(raw), np.concatenate(clean), echo


def level_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(x)) + 1e-20)


@pytest.mark.parametrize("jitter_s", [0.0, 0.02])
def test_the_echo_is_cancelled_by_25_db_or_more_without_a_late_reference(jitter_s):
    raw, clean, echo = run_room(speechlike(6.0), jitter_s=jitter_s)
    steady = slice(2 * 16000, 6 * 16000)
    assert level_db(raw[steady]) - level_db(clean[steady]) >= 25
    # A stream moves only to a less-delayed estimate (a few times at first under jitter), never on jitter
    assert echo.stats.late_reference == 0 and echo.stats.reanchors <= (3 if jitter_s else 0)
    assert echo.stats.erle_db() >= 20  # the whole reply, the first second of convergence included


@pytest.mark.parametrize("delay_ms", [10, 100])
def test_any_delay_from_10_to_100_ms_is_found(delay_ms):
    raw, clean, _ = run_room(speechlike(5.0), params=RoomParams(delay_ms=delay_ms, echo_gain_db=-6.0, noise_dbfs=None))
    steady = slice(2 * 16000, 5 * 16000)
    assert level_db(raw[steady]) - level_db(clean[steady]) >= 25


def test_the_users_voice_over_no_echo_passes_unchanged_and_silence_costs_nothing():
    near = np.zeros(5 * 16000, np.float32)
    near[2 * 16000:3 * 16000] = speechlike(1.0, seed=3)[:16000]
    raw, clean, echo = run_room(np.zeros(3 * SPEAKER_RATE, np.float32), near=near)
    assert np.array_equal(raw[:len(clean)], clean)  # nothing audible played: WebRTC is not called
    assert echo.stats.processed_s == 0 and echo.stats.bypassed_s > 0


def test_blocks_of_any_length_come_out_as_whole_10_ms_frames():
    echo = EchoCanceller(SPEAKER_RATE)
    echo.reference(speechlike(0.5), 10.0)
    total = 0
    for i, n in enumerate((333, 480, 161, 1024)):
        out = echo.process(np.zeros(n, np.float32), 10.0 + i * 0.05)
        assert len(out) % FRAME == 0
        total += len(out)
    assert total == (333 + 480 + 161 + 1024) // FRAME * FRAME


def test_a_stream_clock_ignores_late_callbacks_and_follows_an_earlier_one():
    clock = StreamClock(16000)
    assert clock.advance(10.0, 480)
    assert not any(clock.advance(10.0 + k * 0.03 + 0.02, 480) for k in range(1, 20))  # jitter: late only
    assert clock.offset == 10.0
    assert clock.advance(10.0 + 20 * 0.03 - 0.01, 480)  # earlier than ever: a better estimate
    assert clock.offset == pytest.approx(9.99)


def test_a_timeline_keeps_its_last_seconds_by_absolute_index():
    line = Timeline(0.01)  # 160 samples
    line.put(100, np.ones(100, np.float32))
    assert line.get(90, 20).tolist() == [0.0] * 10 + [1.0] * 10
    line.put(300, np.full(10, 2.0, np.float32))  # slides past the first write
    assert line.get(150, 10).tolist() == [1.0] * 10 and line.get(0, 10).tolist() == [0.0] * 10
    assert line.get(305, 10).tolist() == [2.0] * 5 + [0.0] * 5
