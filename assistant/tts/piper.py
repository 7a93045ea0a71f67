"""Text-to-speech with piper: one loaded voice, audio streamed per sentence."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Iterator

import numpy as np

from assistant.audio.format import Clip
from assistant.config.settings import TtsSettings
from assistant.core.errors import ModelError, TtsError

ONNX_MAGIC_BYTE = 0x08  # an ONNX protobuf starts with field 1 (ir_version), varint


def voice_config_path(model_path: Path) -> Path:
    """Piper keeps a voice's settings in <voice>.onnx.json beside it."""
    return model_path.with_name(model_path.name + ".json")


def check_voice(model_path: Path) -> Path:
    """Refuse a missing or non-ONNX voice, or one without its JSON config."""
    config = voice_config_path(model_path)
    if not model_path.is_file():
        raise ModelError(f"{model_path}: voice file not found; set tts.voice to a catalog name or a .onnx path")
    with model_path.open("rb") as handle:
        head = handle.read(1)
    if not head or head[0] != ONNX_MAGIC_BYTE:
        raise ModelError(f"{model_path}: not an ONNX voice model; use a Piper .onnx voice")
    try:
        json.loads(config.read_text(encoding="utf-8"))["audio"]["sample_rate"]
    except FileNotFoundError:
        raise ModelError(f"{config}: voice config missing; put the voice's .onnx.json beside it") from None
    except (ValueError, KeyError, TypeError):
        raise ModelError(f"{config}: not a valid Piper voice config (no audio.sample_rate)") from None
    return config


def load_voice(model_path: Path, config: Path):
    """A PiperVoice whose onnxruntime session returns memory after each sentence.

    piper's own loader keeps onnxruntime's CPU arena, which grows to the longest sentence
    ever spoken and never shrinks: a 200-character piece left the process 270 MB larger for
    good, the step-ups the soak test saw. Without the arena it stays within about 80 MB,
    and synthesis was no slower here.
    """
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    options = onnxruntime.SessionOptions()
    options.enable_cpu_mem_arena = False
    # Its idle workers would spin on after each sentence, on the cores the model needs next.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(str(model_path), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    return PiperVoice(config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
                      session=session)


class PiperTts:
    """A Piper voice kept loaded; ``stream`` yields audio one sentence at a time."""

    name = "piper"

    def __init__(self, model_path: Path, settings: TtsSettings):
        config = check_voice(model_path)
        try:
            self.voice = load_voice(model_path, config)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{model_path}: piper could not load this voice ({exc})") from None
        self.model_path = model_path
        self.rate = int(self.voice.config.sample_rate)
        from piper import SynthesisConfig

        self.syn_config = SynthesisConfig(
            speaker_id=settings.speaker, length_scale=settings.length_scale, volume=settings.volume)
        if not settings.variation:
            self.syn_config = self.steady().syn_config

    def steady(self, length_scale: float | None = None) -> "PiperTts":
        """The same loaded voice with piper's random variation off: one text, one waveform.

        Tests and the benchmark need it; whisper tiny hears about 2 in 100 varied renditions
        of "Hey computer." as "Hi computer." or "A computer.".
        """
        from piper import SynthesisConfig

        voice = copy.copy(self)
        voice.syn_config = SynthesisConfig(
            speaker_id=self.syn_config.speaker_id, volume=self.syn_config.volume,
            length_scale=length_scale or self.syn_config.length_scale, noise_scale=0.0, noise_w_scale=0.0)
        return voice

    def stream(self, text: str) -> Iterator[np.ndarray]:
        """float32 audio at ``self.rate``, one chunk per sentence, as soon as each is ready."""
        try:
            for chunk in self.voice.synthesize(text, syn_config=self.syn_config):
                yield chunk.audio_float_array.astype(np.float32, copy=False)
        except Exception as exc:
            # The text stays out of the message: errors reach the journal, replies must not.
            raise TtsError(f"piper failed on a {len(text)}-character piece of the reply ({exc})") from None

    def synthesize(self, text: str) -> Clip:
        """The whole text as one clip."""
        parts = list(self.stream(text))
        samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return Clip(samples, self.rate)
