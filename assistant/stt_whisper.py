"""Speech-to-text with faster-whisper: the English engine shipped in a package."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ModelError, SttError
from .offline import force_offline

NO_SPEECH_PROB = 0.6
"""A segment above this no-speech probability ..."""
MIN_AVG_LOGPROB = -1.0
"""... and below this mean token log-probability is dropped as noise."""


class WhisperTranscriber:
    """Whole-utterance recognition with a local CTranslate2 Whisper model."""

    name = "whisper"

    def __init__(self, model_path: Path, *, language: str = "en", beam_size: int = 5,
                 threads: int = 0):
        # Never let huggingface_hub try the network (the model is a local folder), even
        # when the environment was changed after start-up: nothing may go online at run time.
        force_offline()
        from faster_whisper import WhisperModel

        for needed in ("model.bin", "tokenizer.json"):  # without tokenizer.json it would go online
            if not (model_path / needed).is_file():
                raise ModelError(f"{model_path}: not a faster-whisper model folder (no {needed}); "
                                 "set stt.model to a catalog name or a complete model folder")
        try:
            self.model = WhisperModel(str(model_path), device="cpu", compute_type="int8",
                                      cpu_threads=threads)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError variants
            raise ModelError(f"{model_path}: faster-whisper could not load it ({exc})") from None
        self.model_path = model_path
        self.language = language
        self.beam_size = beam_size

    def transcribe(self, samples: np.ndarray) -> str:
        """Transcript of 16 kHz float32 audio; '' when it holds no speech."""
        try:
            # Whisper's own no-speech rule drops a segment that is both probably not speech
            # and improbable text: noise gives '' instead of a hallucinated "Thank you."
            # Stated here so a library default change cannot bring hallucinations back; a
            # low avg_logprob alone is not enough (accented or foreign speech scores low too).
            segments, _info = self.model.transcribe(
                samples, language=self.language, beam_size=self.beam_size,
                condition_on_previous_text=False, vad_filter=False, without_timestamps=True,
                no_speech_threshold=NO_SPEECH_PROB, log_prob_threshold=MIN_AVG_LOGPROB)
            return " ".join(s.text.strip() for s in segments).strip()
        except Exception as exc:
            raise SttError(f"whisper failed on the audio ({exc})") from None
