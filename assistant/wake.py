"""Wake-word detection: the hit type, the detector protocol, phrase matching and the factory.

Every detector takes 16 kHz float32 blocks of any length from one thread and counts
positions in samples of the audio it was fed (``samples_fed``), so hits and the
refractory period do not depend on wall time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import numpy as np

from .audio_format import ENGINE_RATE
from .errors import ConfigError, ModelError
from .settings import WakeSettings


@dataclass(frozen=True)
class WakeHit:
    """One detection of a wake phrase."""

    phrase: str
    """The configured phrase that was heard (normalised: lower case, single spaces)."""
    score: float
    """Engine-specific confidence in 0..1 (similarity, word confidence or 1 for keyword spotting)."""
    engine: str
    """Name of the detector that fired: vosk, vad-whisper or pocketsphinx."""
    end_sample: int
    """Absolute index in the fed stream where the phrase ended; the question starts after it."""


class WakeDetector(Protocol):
    """What the daemon needs from a wake-word engine."""

    name: str
    """Engine name, as in WakeSettings.engine."""
    samples_fed: int
    """Samples accepted since creation; ``samples_fed - hit.end_sample`` is how far back the phrase ended."""

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Feed 16 kHz float32 mono audio of any length; a hit when a phrase ended in it (or just before)."""

    def reset(self) -> None:
        """Drop buffered audio, engine state and the refractory period (the sample count carries on)."""


_NON_WORD = re.compile(r"[^\w']+|_")


def normalise(text: str) -> str:
    """Lower-case words, single spaces, no punctuation: "Hey, Computer!" -> "hey computer"."""
    words = _NON_WORD.sub(" ", text.lower()).replace("'", "").split()
    return " ".join(words)


def check_phrases(phrases: Sequence[str]) -> tuple[str, ...]:
    """Normalised, non-empty, distinct phrases; ConfigError otherwise."""
    result = tuple(dict.fromkeys(normalise(p) for p in phrases))
    if not phrases or "" in result:
        raise ConfigError("wake.phrases: give at least one phrase of letters, e.g. [\"hey computer\"]")
    return result


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (phrases are short: O(len a * len b) is fine)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(heard: str, phrase: str) -> float:
    """1 - edit distance / phrase length, floored at 0; both already normalised."""
    return max(0.0, 1.0 - edit_distance(heard, phrase) / max(len(phrase), 1))


def required_similarity(threshold: float) -> float:
    """Similarity a transcript window needs: 0.7 (lenient) .. 1.0 (exact) over threshold 0..1.

    At the default 0.5 (0.85) "hey computer", "hey, computers", "hay computer" pass and
    "the computer" (0.83), "he computed" (0.83) and "a computer" (0.75) do not.
    """
    return 0.7 + 0.3 * threshold


@dataclass(frozen=True)
class PhraseMatch:
    """Where a phrase was found in a transcript."""

    phrase: str
    """The configured phrase."""
    score: float
    """Similarity of the best transcript window to the phrase, 0..1."""
    first_word: int
    """Index of the window's first word in the normalised transcript."""
    last_word: int
    """Index of the window's last word (inclusive)."""


def find_phrase(transcript: str, phrases: Sequence[str], required: float) -> Optional[PhraseMatch]:
    """Best window of the transcript matching a phrase with at least ``required`` similarity.

    Windows span the phrase's word count plus or minus one, because whisper splits and
    joins words ("heycomputer", "hey com puter").
    """
    words = normalise(transcript).split()
    best: Optional[PhraseMatch] = None
    for phrase in phrases:
        n = len(phrase.split())
        for start in range(len(words)):
            for size in (n - 1, n, n + 1):
                if size < 1 or start + size > len(words):
                    continue
                score = similarity(" ".join(words[start:start + size]), phrase)
                if score >= required and (best is None or score > best.score):
                    best = PhraseMatch(phrase, score, start, start + size - 1)
    return best


class Refractory:
    """Suppresses hits that end within ``seconds`` of fed audio after the previous hit."""

    def __init__(self, seconds: float):
        self.samples = int(seconds * ENGINE_RATE)
        self._last_end: Optional[int] = None

    def admit(self, hit: Optional[WakeHit]) -> Optional[WakeHit]:
        """The hit, or None when it falls in the refractory period of the previous one."""
        if hit is None:
            return None
        if self._last_end is not None and hit.end_sample < self._last_end + self.samples:
            return None
        self._last_end = hit.end_sample
        return hit

    def clear(self) -> None:
        """Forget the previous hit (the daemon stopped feeding audio in between)."""
        self._last_end = None


def make_wake_detector(settings: WakeSettings, *, vosk_model=None, whisper=None,
                       vad_threshold: float = 0.5) -> Optional[WakeDetector]:
    """The detector for ``settings.engine`` (None for engine none).

    ``vosk_model`` is a ``vosk.Model`` or a ``VoskTranscriber``; ``whisper`` a
    ``WhisperTranscriber`` or a ``faster_whisper.WhisperModel``. auto picks vosk when a
    vosk model is given, else vad-whisper.
    """
    engine = settings.engine
    if engine == "none":
        return None
    if engine == "auto":
        engine = "vosk" if vosk_model is not None else "vad-whisper"
    if engine == "vosk":
        if vosk_model is None:
            raise ModelError("wake.engine vosk needs the vosk model (stt.model) installed; "
                             "use wake.engine vad-whisper or pocketsphinx otherwise")
        from .wake_vosk import VoskWakeDetector

        return VoskWakeDetector(getattr(vosk_model, "model", vosk_model), settings,
                                vad_threshold=vad_threshold)
    if engine == "vad-whisper":
        if whisper is None:
            raise ModelError("wake.engine vad-whisper needs the whisper model (stt.fallback_model) loaded")
        from .wake_whisper import WhisperWakeDetector

        return WhisperWakeDetector(whisper, settings, vad_threshold=vad_threshold)
    if engine == "pocketsphinx":
        from .wake_pocketsphinx import PocketsphinxWakeDetector

        return PocketsphinxWakeDetector(settings)
    raise ConfigError(f"wake.engine: unknown engine {engine!r}")
