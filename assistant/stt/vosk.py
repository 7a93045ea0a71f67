"""Speech-to-text with vosk (Kaldi): streaming, light enough for a Pi."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE, to_int16
from assistant.core.errors import ModelError, SttError
from assistant.stt.base import Transcript


def load_vosk_model(path: Path):
    """Load a vosk model folder once; raise ModelError naming the folder when it is not one."""
    import vosk

    vosk.SetLogLevel(-1)
    if not (path / "am").is_dir() and not (path / "final.mdl").exists():
        raise ModelError(f"{path}: not a vosk model folder (no am/ inside); "
                         "fetch one with `assistant models fetch vosk-model-small-en-us-0.15`")
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception on a bad model
        raise ModelError(f"{path}: vosk could not load this model ({exc})") from None


class VoskTranscriber:
    """Whole-utterance and streaming recognition on one loaded vosk model."""

    name = "vosk"

    def __init__(self, model_path: Path):
        self.model_path = model_path
        self.model = load_vosk_model(model_path)

    def recognizer(self, grammar: list[str] | None = None, words: bool = False):
        """A fresh KaldiRecognizer at 16 kHz, optionally limited to a word grammar; with
        ``words`` its results carry each word's times and confidence."""
        import vosk

        try:
            if grammar is None:
                rec = vosk.KaldiRecognizer(self.model, ENGINE_RATE)
            else:
                rec = vosk.KaldiRecognizer(self.model, ENGINE_RATE, json.dumps(grammar, ensure_ascii=False))
        except Exception as exc:  # vosk raises a bare Exception on a bad grammar or model
            raise ModelError(f"vosk could not build a recognizer ({exc})") from None
        if words:
            rec.SetWords(True)
            rec.SetPartialWords(True)
        return rec

    def knows(self, word: str) -> bool:
        """True when the model's vocabulary has ``word``."""
        # vosk 0.3.45 names it vosk_model_find_word; some builds call it find_word.
        find = getattr(self.model, "find_word", None) or getattr(self.model, "vosk_model_find_word")
        return find(word) >= 0

    def transcript(self, samples: np.ndarray, closing: bool = True) -> Transcript:
        """The transcript; vosk writes no punctuation, so it never closes a sentence."""
        return Transcript(self.transcribe(samples))

    def transcribe(self, samples: np.ndarray, grammar: list[str] | None = None) -> str:
        """Transcript of 16 kHz float32 audio, optionally limited to a grammar of phrases."""
        rec = self.recognizer(grammar)
        pieces = []
        pcm = to_int16(samples).tobytes()
        step = ENGINE_RATE * 2  # one second of 16-bit audio per call
        try:
            for start in range(0, len(pcm), step):
                if rec.AcceptWaveform(pcm[start:start + step]):
                    pieces.append(json.loads(rec.Result()).get("text", ""))
            pieces.append(json.loads(rec.FinalResult()).get("text", ""))
        except Exception as exc:
            raise SttError(f"vosk failed on the audio ({exc})") from None
        return " ".join(p for p in pieces if p).strip()
