"""Microphones: a real sounddevice InputStream, or a WAV file played in real time.

Either hands every block to ``on_block(samples, at)`` from its own thread; the
daemon's callback only passes it to the event loop. Blocks are float32 mono at
``self.rate``; resampling to 16 kHz happens in the daemon's audio worker.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Callable

import numpy as np

from assistant.audio.devices import _sd, find_device, open_rate
from assistant.audio.format import ENGINE_RATE, Clip, resample
from assistant.core.clock import Pacer
from assistant.core.errors import AudioDeviceError

BlockCallback = Callable[[np.ndarray, float], None]


class Microphone:
    """Base of the microphones: the block callback and the error callback."""

    rate = ENGINE_RATE
    name = "microphone"

    def __init__(self) -> None:
        self.on_block: BlockCallback = lambda samples, at: None
        self.on_error: Callable[[str], None] = lambda message: None

    def start(self) -> None:
        """Begin delivering blocks."""

    def close(self) -> None:
        """Stop and release the device."""


class FileMicrophone(Microphone):
    """Plays clips as microphone input at real-time pace, then silence.

    ``say`` queues more speech while it runs (tests and the bench use it).
    ``unplug``/``plug`` simulate a USB microphone that goes away and comes back.
    """

    name = "file"

    def __init__(self, clips: list[Clip], clock, block_s: float = 0.03) -> None:
        super().__init__()
        self.clock = clock
        self.block = int(ENGINE_RATE * block_s)
        self.position = 0
        self.started_at: float | None = None
        self.unplugged = False
        self._pending: collections.deque[list] = collections.deque()  # [samples, started?]
        self.clip_starts: list[int] = []
        """Stream position where each queued clip began to play."""
        self._lock = threading.Lock()
        self._pacer = Pacer("file-mic", block_s, self._step, clock)
        for clip in clips:
            self.say(clip)

    def say(self, clip: Clip) -> None:
        """Queue speech to be 'heard' after what is already queued."""
        samples = resample(clip, ENGINE_RATE).samples
        with self._lock:
            self._pending.append([samples, False])

    def time_of(self, position: int) -> float:
        """Monotonic time at which stream sample ``position`` was (or will be) heard."""
        return (self.started_at or self.clock.now()) + position / ENGINE_RATE

    def start(self) -> None:
        if self.unplugged:
            raise AudioDeviceError("audio.input_device: the file microphone is unplugged")
        self.started_at = self.clock.now() - self.position / ENGINE_RATE
        self._pacer.start()

    def unplug(self) -> None:
        """Stop delivering audio and report the loss, as a pulled USB microphone would."""
        self.unplugged = True
        self._pacer.stop()
        self.on_error("audio.input_device: the file microphone was unplugged")

    def plug(self) -> None:
        """Let the next ``start`` succeed again."""
        self.unplugged = False

    def pause(self) -> None:
        """Deliver nothing for a moment (under the stall limit), without reporting a loss."""
        self._pacer.stop()

    def resume(self) -> None:
        """Go on after ``pause``; audio queued since plays from now."""
        self.start()

    def _next_block(self) -> np.ndarray:
        block = np.zeros(self.block, np.float32)
        filled = 0
        with self._lock:
            while filled < self.block and self._pending:
                head, started = self._pending[0]
                if not started:
                    self.clip_starts.append(self.position + filled)
                take = min(self.block - filled, len(head))
                block[filled:filled + take] = head[:take]
                filled += take
                if take == len(head):
                    self._pending.popleft()
                else:
                    self._pending[0] = [head[take:], True]
        return block

    def _step(self, at: float) -> None:
        block = self._next_block()
        self.position += len(block)
        self.on_block(block, at)

    def close(self) -> None:
        self._pacer.stop()


class SoundDeviceMicrophone(Microphone):
    """A sounddevice InputStream; its callback only copies the block out.

    The device is looked up by name at every ``start``, so a re-plugged USB
    microphone is found again under its new index.
    """

    name = "sounddevice"

    def __init__(self, device_spec: str | None, rate: int, block_ms: int) -> None:
        super().__init__()
        self.spec = device_spec
        self.rate = rate
        self.block_ms = block_ms
        self.device = None
        self.stream = None
        self.opened = False

    def start(self) -> None:
        sd = _sd()
        self.device = find_device(self.spec, "input")
        if not self.opened:  # the rate is fixed at the first open: the resampler depends on it
            self.rate = open_rate(self.device, self.rate, "input")

        def callback(indata, frames, time_info, status):  # PortAudio thread: copy only
            self.on_block(indata[:, 0].copy(), time.monotonic())

        def finished():  # the stream stopped without close(): the device went away
            if self.stream is not None:
                self.on_error(f"audio.input_device: {self.device.name!r} stopped delivering audio")

        try:
            self.stream = sd.InputStream(
                device=self.device.index, samplerate=self.rate, channels=1, dtype="float32",
                blocksize=int(self.rate * self.block_ms / 1000), callback=callback,
                finished_callback=finished)
            self.stream.start()
        except sd.PortAudioError as exc:
            self.stream = None
            raise AudioDeviceError(f"audio.input_device: cannot open {self.device.name!r} ({exc})") from None
        self.opened = True

    def close(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.abort()
            stream.close()
