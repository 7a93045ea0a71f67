"""Short commands said alone ("stop", "be quiet", or the wake phrase) over the assistant's reply.

The microphone's echo-cancelled audio is cut into speech segments by the VAD; a segment
that ends after a short pause and is at most ``max_s`` long is transcribed, and it is a
command when the *whole* transcript is one of the phrases. So "stop" said alone
interrupts; "don't stop believing" said or played does not. Whisper (or vosk) runs only
while someone speaks over a reply, and the daemon feeds this only while it thinks or
speaks, so the cost is nil otherwise.

``in_speech`` says someone is speaking now: the daemon plays its reply quieter meanwhile
(ducking), which lets more of the user's voice through the echo canceller.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from assistant.audio.format import ENGINE_RATE
from assistant.audio.segments import SpeechEnded, SpeechSegmenter
from assistant.audio.vad import VoiceActivity
from assistant.wake.base import Refractory, WakeHit
from assistant.wake.phrases import normalise, required_similarity, similarity

PRE_ROLL_S = 0.25
"""Audio kept from before the VAD's onset: the canceller softens a command's first sounds."""
ONSET_ALLOWANCE = 0.1
"""How much less similar than a wake phrase a command's transcript may be."""
MIN_PHRASE_LOGPROB = -3.0
"""A short transcript that is no phrase still is one when the recognizer scores the phrase at least
this well (mean log-probability per token: "stop" softened by the canceller into "so" or "its
done" scored -2 to -3.1, other short words said over a reply -4.2 to -7; see docs/wake.md)."""
MAX_SCORED_WORDS = 3
"""Transcripts longer than this are something else said, not a softened command."""


class CommandSpotter:
    """Finds a phrase said alone in a short speech segment; positions count the samples fed."""

    name = "command"

    def __init__(self, stt, phrases: Sequence[str], threshold: float = 0.5, *, vad_threshold: float = 0.5,
                 end_silence_s: float = 0.16, max_s: float = 2.0, min_s: float = 0.25,
                 vad: VoiceActivity | None = None) -> None:
        """``stt`` is any recognizer (``transcribe``); ``phrases`` are normalised already;
        ``end_silence_s`` is the pause that ends a command; ``min_s`` and ``max_s`` count the
        segment with its 0.25 s of pre-roll."""
        self._stt = stt
        self.phrases = tuple(phrases)
        # The whole transcript must be the phrase (stricter than finding it inside a longer text),
        # and the echo canceller softens a first consonant said over loud echo ("stop" -> "top",
        # 0.75): so a little below the wake matcher's similarity.
        self.required = required_similarity(threshold) - ONSET_ALLOWANCE
        self._segmenter = SpeechSegmenter(vad or VoiceActivity(vad_threshold), start_frames=2,
                                          end_silence_s=end_silence_s, max_segment_s=max_s + 0.5,
                                          pre_roll_s=PRE_ROLL_S)
        self._min, self._max = int(min_s * ENGINE_RATE), int(max_s * ENGINE_RATE)
        self._pre_roll = int(PRE_ROLL_S * ENGINE_RATE)
        self._long_until = -1  # where the last stretch too long to be a command ended
        self._refractory = Refractory(1.0)
        # "stop it" scores as "stop" plus a filler any short word can take ("sorry" -> "stop it"):
        # a phrase that extends another is matched by its transcript only.
        self._scored_phrases = tuple(p for p in self.phrases if not any(p.startswith(q + " ") for q in self.phrases))
        self.transcripts: list[str] = []
        """Recent transcripts (the last 20), for logs and tuning."""

    @property
    def samples_fed(self) -> int:
        """Samples accepted since creation."""
        return self._segmenter.samples_fed

    @property
    def in_speech(self) -> bool:
        """True while a speech segment is open: someone speaks now."""
        return self._segmenter.in_speech

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Feed 16 kHz audio; a hit when a short segment that just ended was a phrase."""
        hit = None
        for event in self._segmenter.feed(block):
            if not isinstance(event, SpeechEnded):
                continue
            if event.truncated or event.start_sample <= self._long_until:  # long speech, or its rest
                self._long_until = event.speech_end_sample + self._pre_roll
            elif hit is None and self._min <= len(event.audio) <= self._max:
                hit = self._check(event.audio, event.speech_end_sample)
        return self._refractory.admit(hit)

    def reset(self) -> None:
        """Drop the segment in progress and the VAD state (the sample count carries on)."""
        self._segmenter.reset()
        self._refractory.clear()

    def _check(self, audio: np.ndarray, end: int) -> Optional[WakeHit]:
        text = said_once(normalise(self._stt.transcribe(audio)))
        self.transcripts = (self.transcripts + [text])[-20:]
        if not text:
            return None
        score, phrase = max((similarity(text, p), p) for p in self.phrases)
        if score >= self.required:
            return WakeHit(phrase, round(score, 3), self.name, end)
        return self._scored(audio, text, end)

    def _scored(self, audio: np.ndarray, text: str, end: int) -> Optional[WakeHit]:
        """The phrase whisper scores well although it wrote something else (an optional
        capability of the recognizer: vosk has none)."""
        scorer = getattr(self._stt, "phrase_scores", None)
        if scorer is None or len(text.split()) > MAX_SCORED_WORDS:
            return None
        scores = scorer(audio, self._scored_phrases)
        phrase = max(scores, key=scores.get)
        if scores[phrase] < MIN_PHRASE_LOGPROB:
            return None
        self.transcripts[-1] = f"{text} ({phrase} {scores[phrase]:.2f})"
        return WakeHit(phrase, round(float(np.exp(scores[phrase])), 3), self.name, end)


def said_once(text: str) -> str:
    """A phrase said over again ("stop stop", "be quiet be quiet") as said once: people repeat
    a command that did not work at once, and Whisper sometimes doubles a short word."""
    words = text.split()
    for n in range(1, len(words) // 2 + 1):
        if len(words) % n == 0 and words == words[:n] * (len(words) // n):
            return " ".join(words[:n])
    return text
