"""Speech segments of a 16 kHz stream: "speech started" and "speech ended" events with
absolute sample positions and each segment's audio, and a log of recent speech activity."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Union

import numpy as np

from assistant.audio.format import ENGINE_RATE
from assistant.audio.vad import FRAME_SAMPLES, VoiceActivity, frames_for
from assistant.core.errors import ConfigError


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
