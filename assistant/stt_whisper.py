"""Speech-to-text with faster-whisper: the English engine shipped in a package."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import ModelError, SttError


class WhisperTranscriber:
    """Whole-utterance recognition with a local CTranslate2 Whisper model."""

    name = "whisper"

    def __init__(self, model_path: Path, *, language: str = "en", beam_size: int = 5,
                 threads: int = 0):
        # Never let huggingface_hub try the network: the model is a local folder.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel

        if not (model_path / "model.bin").exists():
            raise ModelError(f"{model_path}: not a faster-whisper model folder (no model.bin)")
        try:
            self.model = WhisperModel(str(model_path), device="cpu", compute_type="int8",
                                      cpu_threads=threads)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError variants
            raise ModelError(f"{model_path}: faster-whisper could not load it ({exc})") from None
        self.model_path = model_path
        self.language = language
        self.beam_size = beam_size

    def transcribe(self, samples: np.ndarray) -> str:
        """Transcript of 16 kHz float32 audio."""
        try:
            segments, _info = self.model.transcribe(
                samples, language=self.language, beam_size=self.beam_size,
                condition_on_previous_text=False, vad_filter=False, without_timestamps=True)
            return " ".join(s.text.strip() for s in segments).strip()
        except Exception as exc:
            raise SttError(f"whisper failed on the audio ({exc})") from None
