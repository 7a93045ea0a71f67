"""WAV reading and writing, sample-format and sample-rate conversion.

Inside the assistant audio is mono float32 in [-1, 1]; engines get 16 kHz.
"""

from __future__ import annotations

import os
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from .errors import InputError

ENGINE_RATE = 16000
"""Sample rate every speech engine in the assistant works at."""


@dataclass(frozen=True)
class Clip:
    """A piece of mono audio."""

    samples: np.ndarray
    """float32 samples in [-1, 1]."""
    rate: int
    """Samples per second."""

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.samples) / self.rate if self.rate else 0.0


def read_wav(path: Path | str, rate: int | None = ENGINE_RATE) -> Clip:
    """Read a PCM WAV file of any rate, width and channel count as mono float32.

    With ``rate`` set, the audio is resampled to it.
    """
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, src_rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (wave.Error, EOFError, OSError) as exc:
        raise InputError(f"{path}: not a readable PCM WAV file ({exc}); convert it with "
                         "`sox IN -r 16000 -c 1 -b 16 OUT.wav`") from None
    if not raw:
        raise InputError(f"{path}: the WAV file holds no audio")
    samples = pcm_to_float(raw, width, path)
    if channels > 1:
        usable = len(samples) - len(samples) % channels
        samples = samples[:usable].reshape(-1, channels).mean(axis=1)
    clip = Clip(np.ascontiguousarray(samples, dtype=np.float32), src_rate)
    return resample(clip, rate) if rate else clip


def pcm_to_float(raw: bytes, width: int, source: Path | str = "audio") -> np.ndarray:
    """Decode little-endian PCM of 1-4 bytes per sample to float32."""
    if width == 1:
        return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    if width == 3:
        usable = len(raw) - len(raw) % 3
        b = np.frombuffer(raw[:usable], np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        return value.astype(np.float32) / float(1 << 23)
    if width == 4:
        return np.frombuffer(raw, "<i4").astype(np.float32) / float(1 << 31)
    raise InputError(f"{source}: unsupported sample width {width * 8} bits")


def resample(clip: Clip, rate: int) -> Clip:
    """Return the clip at ``rate`` (high-quality soxr resampling)."""
    if clip.rate == rate or len(clip.samples) == 0:
        return Clip(clip.samples, rate)
    out = soxr.resample(clip.samples, clip.rate, rate, quality="HQ")
    return Clip(np.ascontiguousarray(out, dtype=np.float32), rate)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """float32 [-1, 1] to int16, clipping overshoot."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


def write_wav(path: Path | str, clip: Clip) -> Path:
    """Write 16-bit mono WAV atomically: a crash never leaves half a file under ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(clip.rate)
            wav.writeframes(to_int16(clip.samples).tobytes())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a reply WAV is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def rms(samples: np.ndarray) -> float:
    """Root-mean-square level of float samples."""
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
