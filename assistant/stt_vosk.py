"""Speech-to-text with vosk (Kaldi): streaming, light enough for a Pi."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .audio_format import ENGINE_RATE, to_int16
from .errors import ModelError, SttError


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

    def recognizer(self, grammar: list[str] | None = None):
        """A fresh KaldiRecognizer at 16 kHz, optionally limited to a word grammar."""
        import vosk

        if grammar is None:
            return vosk.KaldiRecognizer(self.model, ENGINE_RATE)
        return vosk.KaldiRecognizer(self.model, ENGINE_RATE, json.dumps(grammar, ensure_ascii=False))

    def transcribe_ending(self, samples: np.ndarray, ending: bool = True) -> tuple[str, float | None]:
        """The transcript, and None: vosk writes no punctuation, so no sentence is closed."""
        return self.transcribe(samples), None

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
