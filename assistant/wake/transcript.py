"""Wake word by transcript: VAD-gated speech segments transcribed by Whisper and matched.

The fallback where no vosk English model is installed. Silero VAD cuts the stream into
segments; a segment that ends within ``prefix_s`` is transcribed whole, a longer one
("hey computer what's the weather", said in one breath) only its first ``prefix_s``
as soon as that much is heard. Whisper runs only while someone speaks.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from assistant.audio.format import ENGINE_RATE
from assistant.audio.segments import SpeechEnded, SpeechSegmenter, SpeechStarted
from assistant.audio.vad import VoiceActivity
from assistant.config.settings import WakeSettings
from assistant.wake.base import Refractory, WakeHit
from assistant.wake.phrases import PhraseMatch, check_phrases, find_phrase, normalise, required_similarity

MAX_TOKENS = 32
"""Decoding limit: a 2.5 s window holds a dozen words at most."""


class WhisperWakeDetector:
    """Matches the configured phrases in Whisper transcripts of short speech segments."""

    name = "vad-whisper"

    def __init__(self, stt, settings: WakeSettings, *, vad_threshold: float = 0.5,
                 min_segment_s: float = 0.5, prefix_s: float = 2.5, end_silence_s: float = 0.35):
        """``stt`` is a recognizer that times words (WordTimedSpeechToText); ``min_segment_s``
        counts the 0.25 s pre-roll: shorter segments (clicks, coughs) are skipped."""
        self._stt = stt
        self.phrases = check_phrases(settings.phrases)
        self.required = required_similarity(settings.threshold)
        self._refractory = Refractory(settings.refractory_s)
        self._segmenter = SpeechSegmenter(VoiceActivity(vad_threshold), start_frames=2,
                                          end_silence_s=end_silence_s, max_segment_s=30.0,
                                          pre_roll_s=0.25)
        self._min_samples = int(min_segment_s * ENGINE_RATE)
        self._prefix_samples = int(prefix_s * ENGINE_RATE)
        self._handled = False  # the current segment was already transcribed
        self.transcripts: list[str] = []
        """Recent transcripts (the last 20), for logs and tuning."""

    @property
    def samples_fed(self) -> int:
        """Samples accepted since creation."""
        return self._segmenter.samples_fed

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Feed audio; a hit when a phrase was heard in a segment that just ended or filled the window."""
        hit = None
        for event in self._segmenter.feed(block):
            if isinstance(event, SpeechStarted):
                self._handled = False
            elif isinstance(event, SpeechEnded) and not self._handled:
                if self._min_samples <= len(event.audio) < self._prefix_samples:
                    hit = hit or self._check(event.audio, event.start_sample, whole=True)
        seg = self._segmenter
        if seg.in_speech and not self._handled and seg.current_samples >= self._prefix_samples:
            self._handled = True
            audio = seg.current_audio()[:self._prefix_samples]
            hit = hit or self._check(audio, seg.current_start, whole=False)
        return self._refractory.admit(hit)

    def reset(self) -> None:
        """Drop the segment in progress and the VAD state."""
        self._refractory.clear()
        self._segmenter.reset()
        self._handled = False

    def _check(self, audio: np.ndarray, start: int, whole: bool) -> Optional[WakeHit]:
        text, _ = self._transcribe(audio, word_times=False)
        self.transcripts = (self.transcripts + [text])[-20:]
        match = find_phrase(text, self.phrases, self.required)
        if match is None:
            return None
        end = self._phrase_end(audio, text, match, whole)
        return WakeHit(match.phrase, round(match.score, 3), self.name, start + end)

    def _phrase_end(self, audio: np.ndarray, text: str, match: PhraseMatch, whole: bool) -> int:
        """Offset in ``audio`` where the matched words end."""
        n_words = len(normalise(text).split())
        if whole and match.last_word == n_words - 1:
            return len(audio)  # the phrase ends the segment: no second pass needed
        # Words follow the phrase: a second pass with word timestamps finds its end.
        text2, ends = self._transcribe(audio, word_times=True)
        match2 = find_phrase(text2, self.phrases, self.required)
        if match2 is not None and match2.last_word < len(ends):
            return min(len(audio), int(ends[match2.last_word] * ENGINE_RATE))
        # Fallback: where the phrase ends in the text, in proportion.
        share = (match.last_word + 1) / max(n_words, 1)
        return int(len(audio) * share)

    def _transcribe(self, audio: np.ndarray, word_times: bool) -> tuple[str, list[float]]:
        """Transcript and, with ``word_times``, the end time (s) of each normalised word."""
        heard = self._stt.words(audio, MAX_TOKENS, word_times)
        if not word_times:
            return heard.text, []
        # Normalise word by word so word i and ends[i] line up.
        words, ends = [], []
        for word, end in zip(heard.text.split(), heard.word_ends_s):
            for part in normalise(word).split():
                words.append(part)
                ends.append(end)
        return " ".join(words), ends
