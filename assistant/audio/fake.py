"""Stand-ins for the sound card and the VAD model, for tests of the daemon core: no threads
of their own, no real time, no model."""

from __future__ import annotations

import numpy as np

from assistant.audio.echo import EchoStats
from assistant.audio.format import ENGINE_RATE
from assistant.audio.mic import Microphone
from assistant.audio.speaker import Speaker
from assistant.core.errors import AudioDeviceError


class LoudnessModel:
    """Scores a frame as speech by its level alone: loud is speech, quiet is not."""

    def __init__(self, speech_rms: float = 0.02) -> None:
        self.speech_rms = speech_rms

    def probability(self, frame: np.ndarray) -> float:
        """1.0 for a frame at least ``speech_rms`` loud, else 0.0."""
        return 1.0 if float(np.sqrt(np.mean(np.square(frame)))) >= self.speech_rms else 0.0

    def reset(self) -> None:
        """Nothing to forget."""


class PushMicrophone(Microphone):
    """A microphone the test speaks into: ``push`` delivers the audio at once, block by block."""

    name = "push"

    def __init__(self, clock, block_s: float = 0.03) -> None:
        super().__init__()
        self.clock = clock
        self.block = int(ENGINE_RATE * block_s)
        self.started = False
        self.fail_start: str | None = None
        """When set, ``start`` fails with this message (a microphone that is not there)."""

    def start(self) -> None:
        if self.fail_start:
            raise AudioDeviceError(f"audio.input_device: {self.fail_start}")
        self.started = True

    def push(self, samples: np.ndarray) -> None:
        """Hand ``samples`` (16 kHz) to the daemon as consecutive blocks."""
        for start in range(0, len(samples), self.block):
            self.on_block(np.asarray(samples[start:start + self.block], np.float32), self.clock.now())

    def close(self) -> None:
        self.started = False


class ManualSpeaker(Speaker):
    """A speaker whose sound card is the test: ``play_out`` plays what is queued, at once."""

    def __init__(self, rate: int = ENGINE_RATE, clock=None, autoplay: bool = False) -> None:
        super().__init__(rate)
        self.clock = clock
        self.autoplay = autoplay
        """Play everything as soon as it is queued (a turn then never waits for the speaker)."""
        self.heard: list[np.ndarray] = []

    def play(self, samples: np.ndarray) -> int:
        end = super().play(samples)
        if self.autoplay:
            self.play_out()
        return end

    def play_out(self, seconds: float | None = None) -> int:
        """Play ``seconds`` of what is queued (all of it by default); the samples played."""
        count = self.queued() if seconds is None else min(self.queued(), int(seconds * self.rate))
        if count:
            block = np.zeros(count, np.float32)
            self._deliver(block, self.clock.now() if self.clock else 0.0)
            self.heard.append(block.copy())
        return count


class FakeEchoCanceller:
    """An echo canceller that passes the microphone through and keeps the reference it was given."""

    echo_cancel = True

    def __init__(self) -> None:
        self.reference_blocks = 0
        """Speaker blocks handed over."""
        self.restarts = 0
        self.stats = EchoStats()

    def reference(self, block: np.ndarray, handed_at: float) -> None:
        self.reference_blocks += 1

    def process(self, block: np.ndarray, captured_at: float) -> np.ndarray:
        energy = float(np.dot(block, block))
        self.stats.processed_s += len(block) / ENGINE_RATE
        self.stats.energy_in += energy
        self.stats.energy_out += energy
        return block

    def restart_mic(self) -> None:
        self.restarts += 1
