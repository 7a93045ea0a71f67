"""Wake word by pocketsphinx keyphrase spotting: the lowest-CPU engine, English only.

Uses the US English acoustic model and dictionary inside the pocketsphinx wheel. It
finds the phrase in natural (and piper) speech but misses most espeak-ng voices.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from assistant.audio.format import ENGINE_RATE, to_int16
from assistant.config.settings import WakeSettings
from assistant.core.errors import ConfigError, ModelError
from assistant.wake.base import Refractory, WakeHit
from assistant.wake.phrases import check_phrases

FRAME_RATE = 100
"""pocketsphinx feature frames per second (its default -frate)."""

RESTART_S = 60.0
"""Restart the utterance after this much audio without a hit so the search stays small."""


def kws_threshold(threshold: float) -> float:
    """Map strictness 0..1 to pocketsphinx's threshold 1e-40 (lenient) .. 1e+20 (strict), 1e-10 at 0.5.

    Measured on piper speech: 1e-10 caught 10 of 12 takes, 1e+0 7, 1e+20 none.
    """
    return 10.0 ** (-40.0 + 60.0 * threshold)


class PocketsphinxWakeDetector:
    """Keyphrase spotting of each configured phrase (all searched at once)."""

    name = "pocketsphinx"

    def __init__(self, settings: WakeSettings):
        self.phrases = check_phrases(settings.phrases)
        self._decoder = self._load(self.phrases, kws_threshold(settings.threshold))
        self._refractory = Refractory(settings.refractory_s)
        self.samples_fed = 0
        """Samples accepted since creation."""
        self._utt_start = 0  # absolute sample where the current utterance began
        self._decoder.start_utt()

    @staticmethod
    def _load(phrases: tuple[str, ...], threshold: float):
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise ModelError("pocketsphinx is not installed; pip install pocketsphinx==5.1.1") from None
        try:
            decoder = Decoder(loglevel="FATAL", kws_threshold=threshold, keyphrase=phrases[0])
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"pocketsphinx could not load its English model ({exc})") from None
        unknown = sorted({w for p in phrases for w in p.split() if decoder.lookup_word(w) is None})
        if unknown:
            raise ConfigError(f"wake.phrases: pocketsphinx's dictionary has no {', '.join(unknown)}")
        if len(phrases) > 1:
            _add_phrase_list(decoder, phrases, threshold)
        return decoder

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Feed audio; a hit as soon as a phrase is spotted."""
        self.samples_fed += np.size(block)
        self._decoder.process_raw(to_int16(np.asarray(block, dtype=np.float32)).tobytes(), False, False)
        hyp = self._decoder.hyp()
        if hyp is None:
            if self.samples_fed - self._utt_start > RESTART_S * ENGINE_RATE:
                self._restart()
            return None
        end = self._utt_start + self._end_frame() * ENGINE_RATE // FRAME_RATE
        phrase = hyp.hypstr.strip()
        self._restart()
        return self._refractory.admit(WakeHit(phrase, 1.0, self.name, min(end, self.samples_fed)))

    def reset(self) -> None:
        """Start a fresh utterance (drops the search state)."""
        self._refractory.clear()
        self._restart()

    def _end_frame(self) -> int:
        ends = [seg.end_frame for seg in self._decoder.seg()]
        return max(ends) + 1 if ends else self._decoder.n_frames()

    def _restart(self) -> None:
        self._decoder.end_utt()
        self._decoder.start_utt()
        self._utt_start = self.samples_fed


def _add_phrase_list(decoder, phrases: tuple[str, ...], threshold: float) -> None:
    """Search several phrases: pocketsphinx reads them from a file, one per line."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wake.kws"
        path.write_text("".join(f"{p} /{threshold:.1e}/\n" for p in phrases), encoding="utf-8")
        decoder.add_kws("wake", str(path))
    decoder.activate_search("wake")
