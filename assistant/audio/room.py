"""A simulated room between the file speaker and the file microphone, for tests and the bench.

What the speaker plays comes back into the microphone through the room: a direct path
after ``delay_ms`` (the devices' latency and the air), a few early reflections, a decaying
diffuse tail, a gain, and optional noise; the user's speech (``say``) is mixed on top.

The speaker and the microphone share one clock, as the two halves of one sound card do:
a single paced thread ticks every 10 ms, lets the speaker take its next block, then the
microphone deliver its next one. The sound in the room is counted in samples, not in
wall time, so a seeded room gives the same echo whatever the machine's load; only when
the daemon queues or flushes its reply depends on the load, as on a real device.

Levels (``RoomParams()``): piper speaks at about -20 dBFS; the direct path at -18 dB with
its reflections and tail puts the echo at about -35 dBFS at the microphone: a USB speaker
about half a metre from the microphone at a low, bedside volume. A user about 1 m from the
microphone, speaking up to interrupt, is heard at about -29 dBFS (``USER_DBFS``): 6 dB
louder than the echo. Echo cancellation (WebRTC AEC3) softens whatever the user says while
the echo is as loud or louder, so short commands over a louder reply mostly fail: see
docs/performance.md for the measured rates at other levels.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio.echo import Timeline
from assistant.audio.format import ENGINE_RATE
from assistant.audio.mic import FileMicrophone
from assistant.audio.resample import StreamResampler
from assistant.audio.speaker import FileSpeaker
from assistant.core.clock import Pacer

USER_DBFS = -29.0
"""Level of the user's speech at the microphone in the rig (RMS while speaking)."""
TICK_S = 0.01
"""The shared clock's step: speaker blocks (20 ms) and microphone blocks (30 ms) fall on it."""


@dataclass(frozen=True)
class RoomParams:
    """The acoustic path from the speaker to the microphone."""

    delay_ms: float = 40.0
    """Output latency + air until the direct sound reaches the microphone (10-100 ms)."""
    echo_gain_db: float = -18.0
    """Gain of the direct path."""
    reflections: int = 6
    """Early reflections, 2-40 ms after the direct sound."""
    rt60_s: float = 0.3
    """Decay time of the diffuse tail (to -60 dB)."""
    tail_db: float = -6.0
    """Energy of the tail relative to the direct path's."""
    noise_dbfs: float | None = -65.0
    """White noise at the microphone (None: none)."""
    seed: int = 0
    """Chooses the reflections, the tail and the noise."""


def db(gain_db: float) -> float:
    """Decibels as a linear amplitude factor."""
    return 10.0 ** (gain_db / 20.0)


def impulse_response(p: RoomParams, length_s: float = 0.35) -> np.ndarray:
    """The speaker-to-microphone impulse response at 16 kHz, the same for the same parameters."""
    rng = np.random.default_rng(p.seed)
    direct = int(round(p.delay_ms * ENGINE_RATE / 1000))
    h = np.zeros(direct + int(length_s * ENGINE_RATE) + 1)
    h[direct - 1:direct + 2] += (0.1, 1.0, 0.25)  # a short pulse, not a bare delay
    for _ in range(p.reflections):
        lag_ms = rng.uniform(2.0, 40.0)
        amp = rng.uniform(0.15, 0.6) * np.exp(-lag_ms / 1000 * 6.9 / max(p.rt60_s, 1e-3))
        h[direct + int(round(lag_ms * ENGINE_RATE / 1000))] += amp * rng.choice((-1.0, 1.0))
    start = direct + int(0.005 * ENGINE_RATE)
    if p.rt60_s > 0:
        tail = rng.standard_normal(len(h) - start) * np.exp(-6.9 * np.arange(len(h) - start) / ENGINE_RATE / p.rt60_s)
        h[start:] += tail * db(p.tail_db) / np.sqrt(np.sum(tail ** 2))
    return (h * db(p.echo_gain_db)).astype(np.float32)


class Room:
    """The air: what the speaker played, on a 16 kHz timeline; what the microphone hears of it."""

    def __init__(self, params: RoomParams, speaker_rate: int) -> None:
        self.params = params
        self.ir = impulse_response(params)
        self._air = Timeline(3.0)
        self._speaker_rate = speaker_rate
        self._resampler = StreamResampler(speaker_rate, ENGINE_RATE, quality="QQ")
        self._write: int | None = None
        self._noise = np.random.default_rng(params.seed + 1)

    def start_playing(self, at_sample: int) -> None:
        """The speaker (re)started: what it plays next sounds from timeline sample ``at_sample``."""
        self._write = at_sample
        self._resampler = StreamResampler(self._speaker_rate, ENGINE_RATE, quality="QQ")

    def played(self, samples: np.ndarray) -> None:
        """The speaker played these samples (its rate), right after the previous ones."""
        x = self._resampler.process(samples)
        self._air.put(self._write, x)
        self._write += len(x)

    def heard(self, start: int, n: int) -> np.ndarray:
        """The echo (and noise) the microphone picks up over timeline samples [start, start + n)."""
        taps = len(self.ir)
        window = self._air.get(start - taps + 1, n + taps - 1)
        size = 1 << (len(window) + taps - 2).bit_length()
        echo = np.fft.irfft(np.fft.rfft(window, size) * np.fft.rfft(self.ir, size), size)[taps - 1:taps - 1 + n]
        if self.params.noise_dbfs is not None:
            echo = echo + self._noise.standard_normal(n) * db(self.params.noise_dbfs)
        return echo.astype(np.float32)


class SharedClock:
    """One paced thread for both devices: each tick, the speaker steps first, then the microphone."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.tick = 0
        """Ticks since the clock started: the room's timeline is tick * TICK_S."""
        self.started_at = 0.0
        self._devices: dict[str, list] = {}  # name -> [period in ticks, next tick, step, running]
        self._lock = threading.Lock()  # the loop starts and stops devices while the thread ticks
        self._pacer = Pacer("room", TICK_S, self._step, clock)

    def device(self, name: str, period_s: float, step) -> "DeviceTicks":
        """A handle that starts and stops ``step(at)`` every ``period_s`` on this clock."""
        self._devices[name] = [max(1, round(period_s / TICK_S)), 0, step, False]
        return DeviceTicks(self, name)

    def now_sample(self) -> int:
        """The timeline sample of the current tick."""
        return self.tick * int(TICK_S * ENGINE_RATE)

    def set_running(self, name: str, running: bool) -> None:
        """Start or stop one device; the thread runs while any device does."""
        with self._lock:
            entry = self._devices[name]
            if running and not entry[3]:
                if not self._pacer.running:
                    self.tick, self.started_at = 0, self.clock.now()
                    self._pacer.start()
                entry[1] = self.tick + entry[0]
            entry[3] = running
            idle = not any(e[3] for e in self._devices.values())
        if idle:
            self._pacer.stop()

    def _step(self, at: float) -> None:
        with self._lock:
            self.tick += 1
            due = [e for e in self._devices.values() if e[3] and self.tick >= e[1]]
            for entry in due:
                entry[1] += entry[0]
        for entry in due:  # the speaker first: it was added first
            entry[2](self.started_at + self.tick * TICK_S)


class DeviceTicks:
    """A device's view of the shared clock, with the start/stop of a Pacer."""

    def __init__(self, shared: SharedClock, name: str) -> None:
        self.shared, self.name = shared, name

    def start(self) -> None:
        self.shared.set_running(self.name, True)

    def stop(self) -> None:
        self.shared.set_running(self.name, False)


class RoomSpeaker(FileSpeaker):
    """The file speaker, playing into the room as well as into its WAV file."""

    def __init__(self, path, rate: int, room: Room, shared: SharedClock, out_latency_s: float = 0.0) -> None:
        super().__init__(path, rate, shared.clock)
        self.room, self.shared = room, shared
        self._latency = int(out_latency_s * ENGINE_RATE)
        self._restarted = True
        self._pacer = shared.device("speaker", self.block / rate, self._step)

    def start(self) -> None:
        self._restarted = True
        super().start()

    def _deliver(self, block: np.ndarray, at: float) -> None:
        if self._restarted:  # the first block sounds from the tick that hands it over
            self._restarted = False
            self.room.start_playing(self.shared.now_sample() + self._latency)
        super()._deliver(block, at)
        self.room.played(block)  # silence too: the room's timeline stays contiguous


class RoomMicrophone(FileMicrophone):
    """The file microphone, hearing the room (the speaker's echo and noise) under the queued speech.

    Its blocks are stamped when their capture ended, as a sound card's callback is.
    """

    def __init__(self, clips, room: Room, shared: SharedClock, block_s: float = 0.03) -> None:
        super().__init__(clips, shared.clock, block_s)
        self.room, self.shared = room, shared
        self._pacer = shared.device("mic", block_s, self._step)
        self._first = 0  # timeline sample of stream position 0

    def start(self) -> None:
        super().start()
        self._first = self.shared.now_sample() - self.position
        self.started_at = self.shared.started_at + self.shared.tick * TICK_S - self.position / ENGINE_RATE

    def _next_block(self) -> np.ndarray:
        heard = self.room.heard(self._first + self.position, self.block)
        return np.clip(super()._next_block() + heard, -1.0, 1.0)


def room_pair(mic_clips, speaker_path: Path, speaker_rate: int, clock, params: RoomParams = RoomParams()):
    """A microphone and a speaker joined by a room: (mic, speaker)."""
    shared = SharedClock(clock)
    room = Room(params, speaker_rate)
    return RoomMicrophone(mic_clips, room, shared), RoomSpeaker(speaker_path, speaker_rate, room, shared)
