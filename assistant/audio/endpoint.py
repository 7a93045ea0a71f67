"""When a question starts and ends: VAD frames counted in samples, so it is deterministic."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from assistant.audio.format import ENGINE_RATE
from assistant.audio.vad import FRAME_SAMPLES, VoiceActivity, frames_for
from assistant.config.settings import EndpointSettings

SPEECH_START_FRAMES = 3  # about 0.1 s of speech before a question counts as started
EARLY_SILENCE_FRAMES = 4
"""About 0.13 s of silence before the transcript is begun early: shorter dips inside and
between words would each start a whisper pass that is thrown away, and a pass cannot be
interrupted, so the real one would queue behind it."""
EARLY_SILENCE_SAMPLES = EARLY_SILENCE_FRAMES * FRAME_SAMPLES
class Outcome(Enum):
    """How listening ended."""

    SPOKEN = "spoken"
    """The speaker went quiet after a question."""
    NO_SPEECH = "no_speech"
    """Nobody spoke before the timeout."""
    TOO_LONG = "too_long"
    """The question reached the maximum length and was cut."""
    RELEASED = "released"
    """The push-to-talk button was released."""


@dataclass(frozen=True)
class Progress:
    """What one block changed."""

    silence_began: bool = False
    """Speech was followed by EARLY_SILENCE_FRAMES silent frames: a transcript can be prepared."""
    speech_resumed: bool = False
    """Speech came back after silence had begun: a prepared transcript is stale."""
    outcome: Outcome | None = None
    """Set when listening is over."""


class QuestionRecorder:
    """Collects one question's audio and decides when it is over."""

    def __init__(self, settings: EndpointSettings, vad: VoiceActivity, timeout_s: float | None = None,
                 preroll: np.ndarray | None = None) -> None:
        self.settings = settings
        self.vad = vad
        vad.reset()
        self.timeout = int((timeout_s or settings.no_speech_timeout_s) * ENGINE_RATE)
        self.limit = int(settings.max_question_s * ENGINE_RATE)
        self.end_silence = frames_for(settings.silence_s) * FRAME_SAMPLES
        self.sooner: tuple[int, int, float] | None = None
        """(speech frames heard, silence samples, configured seconds): a shorter end while no
        more speech comes."""
        self.chunks: list[np.ndarray] = []
        self.samples = 0
        self.speech_frames = 0
        self.silent_samples = 0
        self.last_speech_end = 0
        if preroll is not None and len(preroll):
            self.feed(preroll)

    @property
    def started(self) -> bool:
        """True once speech has been heard."""
        return self.speech_frames >= SPEECH_START_FRAMES

    def audio(self) -> np.ndarray:
        """The question so far, trailing silence trimmed to a little."""
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        keep = min(len(audio), self.last_speech_end + int(0.2 * ENGINE_RATE))
        return audio[:keep] if self.started else audio

    def end_sooner(self, silence_s: float, speech_frames: int) -> None:
        """The question as heard up to ``speech_frames`` is a whole sentence: ``silence_s`` of
        silence ends it, unless the user speaks again (then the full silence applies)."""
        self.sooner = (speech_frames, min(self.end_silence, frames_for(silence_s) * FRAME_SAMPLES), silence_s)

    def silence_needed(self) -> int:
        """Samples of silence that end the question now."""
        return self.sooner[1] if self._sooner_applies() else self.end_silence

    def silence_setting(self) -> float:
        """The configured seconds of silence that end the question now."""
        return self.sooner[2] if self._sooner_applies() else self.settings.silence_s

    def _sooner_applies(self) -> bool:
        return self.sooner is not None and self.sooner[0] == self.speech_frames

    def feed(self, block: np.ndarray) -> Progress:
        """Add a block; say whether the question is over."""
        self.chunks.append(block)
        began = resumed = False
        for prob in self.vad.feed(block):
            self.samples += FRAME_SAMPLES
            if self.vad.is_speech(prob):
                resumed = resumed or (self.started and self.silent_samples >= EARLY_SILENCE_SAMPLES)
                self.speech_frames += 1
                self.silent_samples = 0
                self.last_speech_end = self.samples
            elif self.started:
                # No hysteresis: the end-of-speech wait counts from the last speech frame,
                # and a dip inside a word only restarts it.
                self.silent_samples += FRAME_SAMPLES
                began = began or self.silent_samples == EARLY_SILENCE_SAMPLES
            outcome = self._outcome()
            if outcome:
                return Progress(began, resumed, outcome)
        return Progress(began, resumed, None)

    def _outcome(self) -> Outcome | None:
        if self.started and self.silent_samples >= self.silence_needed():
            return Outcome.SPOKEN
        if not self.started and self.samples >= self.timeout:
            return Outcome.NO_SPEECH
        if self.samples >= self.limit:
            return Outcome.TOO_LONG
        return None
