"""Speakers: a queue of samples that a clock drains, flushable at once for barge-in.

The same queue serves a real sounddevice OutputStream (PortAudio's callback pulls
from it) and the recording file speaker used headless and in tests (a paced thread
pulls from it), so both behave alike.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Callable

import numpy as np

from assistant.audio.devices import _sd, find_device, open_rate
from assistant.audio.format import WavRecording, first_audible_index
from assistant.core.clock import Pacer
from assistant.core.errors import AudioDeviceError


class SampleQueue:
    """Thread-safe FIFO of float32 samples; ``pull`` never blocks."""

    def __init__(self) -> None:
        self._chunks: collections.deque[np.ndarray] = collections.deque()
        self._offset = 0  # samples of the first chunk already pulled
        self._lock = threading.Lock()
        self.gain = 1.0
        self.duck = 1.0
        """A further factor while someone speaks over the reply (the volume stays ``gain``)."""

    def push(self, samples: np.ndarray) -> None:
        """Queue samples for playback (no copy)."""
        if len(samples):
            with self._lock:
                self._chunks.append(samples)

    def clear(self) -> int:
        """Drop everything queued; return how many samples were dropped."""
        with self._lock:
            dropped = sum(len(c) for c in self._chunks) - self._offset
            self._chunks.clear()
            self._offset = 0
        return dropped

    def queued(self) -> int:
        """Samples waiting to be played."""
        with self._lock:
            return sum(len(c) for c in self._chunks) - self._offset

    def pull(self, out: np.ndarray) -> int:
        """Fill ``out`` with queued samples (zeros after them); return how many were real."""
        filled = 0
        with self._lock:
            while filled < len(out) and self._chunks:
                head = self._chunks[0]
                take = min(len(out) - filled, len(head) - self._offset)
                out[filled:filled + take] = head[self._offset:self._offset + take]
                filled += take
                self._offset += take
                if self._offset == len(head):
                    self._chunks.popleft()
                    self._offset = 0
        out[filled:] = 0.0
        gain = self.gain * self.duck
        if gain != 1.0 and filled:
            np.multiply(out[:filled], gain, out=out[:filled])
        return filled


class Speaker:
    """Base of the speakers: queue, flush, drain notification and audio-played callback.

    ``on_played(count, first_loud_at)`` runs in the audio thread (the daemon hands it to
    its loop): how many queued samples the device took, and when the first audible
    one among them plays (None if all were silent). ``idle`` is set whenever the queue has run dry.
    """

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.queue = SampleQueue()
        self.idle = threading.Event()
        self.idle.set()
        self.on_played: Callable[[int, float | None], None] | None = None
        self.on_block: Callable[[np.ndarray, float], None] | None = None
        """Gets a copy of every block the device takes, silent ones too, and when it was handed
        over (the echo canceller's reference); runs in the audio thread."""
        self.on_error: Callable[[str], None] = lambda message: None
        self.pushed_total = 0
        """Samples ever queued and not flushed."""
        self.played_total = 0
        """Samples the device has taken (written only by the audio thread)."""
        self.underruns = 0
        """Times the device ran dry because a block came too late (heard as a click)."""

    @property
    def latency_s(self) -> float | None:
        """How far ahead of the sound the device takes its blocks (None: not a sound card)."""
        return None

    def play(self, samples: np.ndarray) -> int:
        """Queue samples at ``self.rate``; return the stream offset where they end."""
        if len(samples):
            self.idle.clear()
            self.queue.push(samples)
            self.pushed_total += len(samples)
        return self.pushed_total

    def queued(self) -> int:
        """Samples waiting to be played."""
        return self.queue.queued()

    def change_volume(self, step: float, low: float = 0.1, high: float = 2.0) -> float:
        """Raise (or with a negative step lower) the output gain within [low, high]; the new gain."""
        self.queue.gain = float(min(high, max(low, self.queue.gain + step)))
        return self.queue.gain

    def duck(self, db: float) -> None:
        """Play what follows ``db`` quieter than the volume (0: at the volume again)."""
        self.queue.duck = 10.0 ** (-db / 20.0)

    def flush(self) -> int:
        """Stop playback now: drop everything queued."""
        dropped = self.queue.clear()
        self.pushed_total -= dropped
        self.idle.set()
        return dropped

    def _deliver(self, block: np.ndarray, at: float) -> None:
        real = self.queue.pull(block)
        if self.on_block is not None:
            self.on_block(block.copy(), at)
        if real:
            self.played_total += real
            self._played(block[:real], at)
        if real < len(block):
            self.idle.set()

    def _played(self, samples: np.ndarray, at: float) -> None:
        if self.on_played is not None:
            first = first_audible_index(samples)
            first_loud = at + first / self.rate if first is not None else None
            self.on_played(len(samples), first_loud)

    def start(self) -> None:
        """Begin pulling audio."""

    def close(self) -> None:
        """Stop and release the device (``start`` may open it again)."""

    def save(self) -> None:
        """Keep what was played, where the speaker records it (the file speaker)."""


class FileSpeaker(Speaker):
    """Plays into a WAV file at real-time pace: what a listener would have heard.

    A paced thread pulls one block per block period, like a sound card would, so
    playback takes real time and barge-in can cut it short. Only real samples
    (not the idle silence) are recorded, straight to disk so a soak of hours stays
    flat in memory. ``fail``/``repair`` simulate a dead output.
    """

    def __init__(self, path, rate: int, clock, block_s: float = 0.02) -> None:
        super().__init__(rate)
        self.path = path
        self.block = int(rate * block_s)
        self._recording = WavRecording(path, rate)
        self._lock = threading.Lock()  # the pacer thread appends, the loop saves
        self.broken = False
        self._pacer = Pacer("file-speaker", self.block / rate, self._step, clock)

    def start(self) -> None:
        if self.broken:
            raise AudioDeviceError("audio.output_device: the file speaker is broken")
        self._pacer.start()

    def _step(self, at: float) -> None:
        self._deliver(np.zeros(self.block, np.float32), at)

    def fail(self) -> None:
        """Stop taking audio and report it, as a speaker that died mid-sentence would."""
        self.broken = True
        self._pacer.stop()
        self.on_error("audio.output_device: the file speaker failed")

    def repair(self) -> None:
        """Let the next ``start`` succeed again."""
        self.broken = False

    def _played(self, samples: np.ndarray, at: float) -> None:
        with self._lock:
            self._recording.append(samples)
        super()._played(samples, at)

    def close(self) -> None:
        self._pacer.stop()

    def save(self) -> None:
        """Move what was played to the WAV file (call once, after ``close``)."""
        with self._lock:
            self._recording.finish()


class SoundDeviceSpeaker(Speaker):
    """A sounddevice OutputStream whose callback pulls from the queue."""

    def __init__(self, device_spec: str | None, rate: int, *, buffer_s: float, block_s: float = 0.02) -> None:
        """``buffer_s``: audio.output_buffer_ms in seconds (0: the device's lowest latency)."""
        self.spec = device_spec
        self.device = find_device(device_spec, "output")
        super().__init__(open_rate(self.device, rate, "output"))
        self.block = int(self.rate * block_s)
        self.buffer_s = buffer_s
        self.stream = None

    def start(self) -> None:
        sd = _sd()
        self.device = find_device(self.spec, "output")  # by name again: it may have moved

        def callback(outdata, frames, time_info, status):  # PortAudio thread: copy only
            if status.output_underflow:
                self.underruns += 1
            self._deliver(outdata[:, 0], time.monotonic())

        def finished():  # the stream ended without close(): the device failed
            self.idle.set()
            if self.stream is not None:
                self.on_error(f"audio.output_device: {self.device.name!r} stopped playing")

        try:
            self.stream = sd.OutputStream(
                device=self.device.index, samplerate=self.rate, channels=1, dtype="float32",
                blocksize=self.block, latency=self.buffer_s or "low", callback=callback, finished_callback=finished)
            self.stream.start()
        except sd.PortAudioError as exc:
            raise AudioDeviceError(f"audio.output_device: cannot open {self.device.name!r} ({exc})") from None

    @property
    def latency_s(self) -> float | None:
        """PortAudio's output latency of the open stream (what audio.output_buffer_ms became)."""
        return round(self.stream.latency, 4) if self.stream is not None else None

    def close(self) -> None:
        self.flush()
        stream, self.stream = self.stream, None  # first, so `finished` knows it was us
        if stream is not None:
            stream.abort()
            stream.close()
