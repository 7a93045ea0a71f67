"""Echo cancellation in the daemon's own process: WebRTC AEC3 between the speaker and the mic.

Works on plain ALSA (no PulseAudio): the speaker hands every block it gives the device,
silent ones too, to ``reference`` (on the loop); the audio worker cleans each 16 kHz
microphone block with ``process``. Every call into WebRTC happens on that one worker.

Alignment. Each stream is a contiguous count of samples; a callback time only says where
that count sits on the monotonic clock. Callback times jitter (tens of ms while the LLM
loads every core) but are never early, so a stream's offset is the minimum of (callback
time - samples before it) over the last few seconds (``StreamClock``), and it moves only
on a clearly better estimate or when every callback of the window came late (samples
lost). The speaker's blocks are stamped when they are handed to the device, the mic's
when their capture began (callback time minus their length): the reference then always
leads its echo by the output latency + input latency + the air, 20-100 ms on real
devices. AEC3 finds a lead of up to about 500 ms by itself, but an echo that comes *before*
its reference is barely cancelled (5 ms early: 10 dB; 20 ms early: 3 dB). So nothing
"corrects" for the device latency here.

The reference is resampled to 16 kHz with soxr QQ, which holds back one sample; HQ holds
back 20-40 ms and releases it in bursts, so the newest reference would come after its
echo. WebRTC gets whole 10 ms frames (a remainder waits for the next block).

When nothing audible has played for ``idle_after_s``, WebRTC is not called at all (no
cost) unless noise suppression or gain control is on; its adapted filter survives, so the
next reply is cancelled from its first word.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from assistant.audio.format import AUDIBLE, ENGINE_RATE
from assistant.audio.resample import StreamResampler
from assistant.config.settings import AudioSettings
from assistant.core.errors import ConfigError

FRAME = ENGINE_RATE // 100
"""WebRTC's 10 ms frame at 16 kHz."""
MAX_QUEUED_REFERENCE = 3000
"""Reference blocks kept while the microphone delivers nothing, or its analysis lags (about 60 s
of 20 ms blocks)."""
RESTART = np.zeros(0, np.float32)
"""Marks a re-opened speaker in the reference queue."""


class StreamClock:
    """Where a contiguous sample stream sits on the monotonic clock.

    ``offset`` is the minimum over ``window_s`` of (stamp - samples before it / rate): jitter
    only ever makes a callback late, so the least-delayed one is the best estimate.
    """

    def __init__(self, rate: int, window_s: float = 3.0, better_s: float = 0.005, late_s: float = 0.03) -> None:
        self.rate, self.window_s, self.better_s, self.late_s = rate, window_s, better_s, late_s
        self.count = 0
        """Samples accounted so far."""
        self.offset: float | None = None
        """Monotonic time of sample 0 (None before the first block)."""
        self._window: collections.deque[tuple[float, float]] = collections.deque()  # (stamp, offset), rising

    def advance(self, stamp: float, n: int) -> bool:
        """Account a block of ``n`` samples stamped ``stamp``; True when the offset moved."""
        value = stamp - self.count / self.rate
        while self._window and self._window[-1][1] >= value:
            self._window.pop()
        self._window.append((stamp, value))
        while self._window[0][0] < stamp - self.window_s:
            self._window.popleft()
        best = self._window[0][1]
        moved = self.offset is None or best < self.offset - self.better_s or best > self.offset + self.late_s
        if moved:
            self.offset = best
        self.count += n
        return moved

    def time_of(self, sample: int) -> float:
        """Monotonic time of stream sample ``sample``."""
        return self.offset + sample / self.rate


class Timeline:
    """The last ``seconds`` of a 16 kHz signal, written and read by absolute sample index."""

    def __init__(self, seconds: float) -> None:
        self._buf = np.zeros(int(seconds * ENGINE_RATE), np.float32)
        self._base = 0  # absolute index of _buf[0]

    def put(self, start: int, x: np.ndarray) -> None:
        """Write ``x`` from index ``start``; the window slides forward as needed."""
        end, cap = start + len(x), len(self._buf)
        if end - self._base > cap:
            shift = end - self._base - cap
            if shift >= cap:
                self._buf[:] = 0.0
            else:
                self._buf[:-shift] = self._buf[shift:]
                self._buf[-shift:] = 0.0
            self._base += shift
        first = max(start, self._base)
        if first < end:
            self._buf[first - self._base:end - self._base] = x[first - start:]

    def get(self, start: int, n: int) -> np.ndarray:
        """``n`` samples from index ``start`` (zeros where nothing was written or it is gone)."""
        out = np.zeros(n, np.float32)
        first, last = max(start, self._base), min(start + n, self._base + len(self._buf))
        if first < last:
            out[first - start:last - start] = self._buf[first - self._base:last - self._base]
        return out


@dataclass
class EchoStats:
    """What the canceller did, for logs, tests and the benchmark."""

    processed_s: float = 0.0
    """Microphone audio that went through WebRTC."""
    bypassed_s: float = 0.0
    """Microphone audio passed through untouched (nothing audible played lately)."""
    reanchors: int = 0
    """Times a stream's place on the clock moved after the first (callback jitter must not move it)."""
    late_reference: int = 0
    """Reference samples that arrived over 10 ms after their slot was used (should stay 0; soxr
    holds back a sample or two, harmlessly: the echo comes tens of ms after its reference)."""
    energy_in: float = 0.0
    """Sum of squares of the microphone audio processed."""
    energy_out: float = 0.0
    """Sum of squares of what came out of it."""
    cpu_s: float = 0.0
    """CPU time of the worker thread spent in ``process``."""

    def erle_db(self, since: "EchoStats | None" = None) -> float | None:
        """Echo return loss enhancement in dB since the snapshot ``since`` (None: nothing processed)."""
        e_in = self.energy_in - (since.energy_in if since else 0.0)
        e_out = self.energy_out - (since.energy_out if since else 0.0)
        if e_in <= 0.0:
            return None
        return round(10.0 * math.log10(e_in / max(e_out, 1e-12)), 1)

    def summary(self, since: "EchoStats | None" = None) -> dict:
        """The figures for an event, since the snapshot ``since``: ERLE, seconds, re-anchors, CPU."""
        base = since or EchoStats()
        return {"erle_db": self.erle_db(since), "processed_s": round(self.processed_s - base.processed_s, 1),
                "reanchors": self.reanchors - base.reanchors,
                "late_reference": self.late_reference - base.late_reference}


def make_echo_canceller(audio: AudioSettings, speaker_rate: int) -> "EchoCanceller | None":
    """The canceller the audio settings ask for (echo, noise, gain), or None when all are off."""
    if not (audio.echo_cancel or audio.noise_suppression or audio.auto_gain):
        return None
    return EchoCanceller(speaker_rate, echo_cancel=audio.echo_cancel, noise_suppression=audio.noise_suppression,
                         ns_level=audio.noise_suppression_level, auto_gain=audio.auto_gain)


def make_processor(echo_cancel: bool, noise_suppression: bool, ns_level: int, auto_gain: bool):
    """WebRTC's audio processing module (pywebrtc-audio), configured."""
    try:
        from pywebrtc_audio import AudioProcessor  # native: loaded only when configured
    except ImportError:
        raise ConfigError("audio.echo_cancel: the pywebrtc-audio package is not installed; run `make setup`, "
                          "or turn audio.echo_cancel, noise_suppression and auto_gain off") from None

    return AudioProcessor(sample_rate=ENGINE_RATE, echo_cancellation=echo_cancel,
                          noise_suppression=noise_suppression, ns_level=ns_level,
                          auto_gain_control=auto_gain)


class EchoCanceller:
    """Cleans the microphone with the speaker's own samples as the reference (and NS/AGC if asked)."""

    def __init__(self, speaker_rate: int, *, echo_cancel: bool = True, noise_suppression: bool = False,
                 ns_level: int = 1, auto_gain: bool = False, idle_after_s: float = 1.0,
                 history_s: float = 2.0, processor=None) -> None:
        self.echo_cancel = echo_cancel
        """False: noise suppression or gain control only; the speaker needs not hand anything over."""
        self._processor = processor or make_processor(echo_cancel, noise_suppression, ns_level, auto_gain)
        self._always = noise_suppression or auto_gain or not echo_cancel
        self._idle_after = int(idle_after_s * ENGINE_RATE)
        self.stats = EchoStats()
        self._incoming: collections.deque[tuple[np.ndarray, float]] = collections.deque(maxlen=MAX_QUEUED_REFERENCE)
        self._lock = threading.Lock()
        self._t0: float | None = None  # monotonic time of timeline index 0: the first mic block
        self._speaker_rate = speaker_rate
        self._ref_clock = StreamClock(speaker_rate)
        self._ref_resampler = StreamResampler(speaker_rate, ENGINE_RATE, quality="QQ")
        self._ref = Timeline(history_s)
        self._ref_write = 0  # timeline index of the next reference sample
        self._used_until = -(10**12)  # timeline index up to which the reference was used
        self._last_loud = -(10**12)  # timeline index just past the last audible reference sample
        self._new_mic_stream()

    def reference(self, block: np.ndarray, handed_at: float) -> None:
        """The speaker handed ``block`` (its rate) to the device at ``handed_at``; any thread, cheap."""
        with self._lock:
            self._incoming.append((block, handed_at))

    def restart_mic(self) -> None:
        """The microphone was re-opened: its stream starts afresh at its next block (any thread)."""
        self._mic_restarted = True

    def restart_speaker(self) -> None:
        """The speaker was re-opened: its stream starts afresh at its next block (any thread)."""
        self.reference(RESTART, 0.0)

    def _new_mic_stream(self) -> None:
        self._mic_restarted = False
        self._mic_clock = StreamClock(ENGINE_RATE)
        self._mic_next: int | None = None  # timeline index of the next mic sample
        self._carry = np.zeros(0, np.float32)

    def process(self, block: np.ndarray, captured_at: float) -> np.ndarray:
        """The cleaned 16 kHz block; ``captured_at`` is when its first sample was captured.

        One thread only. The output is whole 10 ms frames: up to 159 samples wait for the next block.
        """
        began = time.thread_time()
        if self._mic_restarted:
            self._new_mic_stream()
        start, data = self._place(np.asarray(block, np.float32), captured_at)
        self._drain_reference()
        n = len(data)
        if n == 0:
            return data
        if not self._always and start - self._last_loud > self._idle_after:
            self.stats.bypassed_s += n / ENGINE_RATE
            self._used_until = start + n
            return data
        far = None
        if self.echo_cancel:
            far = self._ref.get(start, n)
            self._used_until = start + n
        out = self._processor.process(data, far) if far is not None else self._processor.process(data)
        s = self.stats
        s.processed_s += n / ENGINE_RATE
        s.energy_in += float(np.dot(data, data))
        s.energy_out += float(np.dot(out, out))
        s.cpu_s += time.thread_time() - began
        return out

    def _place(self, block: np.ndarray, captured_at: float) -> tuple[int, np.ndarray]:
        """Where the whole frames of this block (with the carried remainder) start on the timeline."""
        if self._t0 is None:
            self._t0 = captured_at
        first = self._mic_clock.count
        if self._mic_clock.advance(captured_at, len(block)):
            at = self._index(self._mic_clock.time_of(first))
            if self._mic_next is not None and at != self._mic_next:
                self.stats.reanchors += 1
                self._carry = np.zeros(0, np.float32)
            if self._mic_next is None or at != self._mic_next:
                self._mic_next = at
        start = self._mic_next - len(self._carry)
        self._mic_next += len(block)
        data = np.concatenate([self._carry, block]) if len(self._carry) else block
        n = len(data) // FRAME * FRAME
        self._carry = data[n:].copy()
        return start, data[:n]

    def _drain_reference(self) -> None:
        with self._lock:
            items = list(self._incoming)
            self._incoming.clear()
        for samples, handed_at in items:
            if samples is RESTART:
                self._ref_clock = StreamClock(self._speaker_rate)
                continue
            first = self._ref_clock.count
            if self._ref_clock.advance(handed_at, len(samples)):
                if first:
                    self.stats.reanchors += 1
                self._ref_resampler = StreamResampler(self._speaker_rate, ENGINE_RATE, quality="QQ")
                self._ref_write = self._index(self._ref_clock.time_of(first))
            x = self._ref_resampler.process(samples)
            if self._ref_write < self._used_until - FRAME:
                self.stats.late_reference += min(len(x), self._used_until - FRAME - self._ref_write)
            self._ref.put(self._ref_write, x)
            loud = np.flatnonzero(np.abs(x) > AUDIBLE)
            if len(loud):
                self._last_loud = self._ref_write + int(loud[-1]) + 1
            self._ref_write += len(x)

    def _index(self, t: float) -> int:
        return int(round((t - (self._t0 if self._t0 is not None else t)) * ENGINE_RATE))
