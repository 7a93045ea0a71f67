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

from assistant.audio.wav import read_layout
from assistant.core.errors import InputError

ENGINE_RATE = 16000
"""Sample rate every speech engine in the assistant works at."""
AUDIBLE = 1e-3
"""About -60 dBFS: quieter samples count as silence."""


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


def read_wav(path: Path | str, rate: int | None = ENGINE_RATE, max_seconds: float | None = None) -> Clip:
    """Read a WAV file (8/16/24/32-bit PCM or 32/64-bit float, any rate and channels) as mono float32.

    With ``rate`` set, the audio is resampled to it. A file longer than ``max_seconds`` is
    refused from its header, before its audio is loaded.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            layout = read_layout(handle, path, os.fstat(handle.fileno()).st_size)
            if max_seconds is not None and layout.seconds > max_seconds:
                raise InputError(f"{path}: {layout.seconds:.0f} s of audio is over the {max_seconds:.0f} s "
                                 f"limit; cut it, e.g. `sox IN OUT trim 0 {max_seconds:.0f}`")
            handle.seek(layout.data_offset)
            raw = handle.read(layout.data_bytes)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a WAV file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    if not raw:
        raise InputError(f"{path}: the WAV file holds no audio")
    if layout.encoding == "float":
        samples = np.frombuffer(raw, "<f4" if layout.width == 4 else "<f8").astype(np.float32)
        # Float files may overshoot 1.0 or hold NaN from a broken plug-in; keep them usable.
        samples = np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    else:
        samples = pcm_to_float(raw, layout.width, path)
    if layout.channels > 1:
        samples = samples.reshape(-1, layout.channels).mean(axis=1)
    clip = Clip(np.ascontiguousarray(samples, dtype=np.float32), layout.rate)
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
    recording = WavRecording(path, clip.rate)
    recording.append(clip.samples)
    return recording.finish()


class WavRecording:
    """A 16-bit mono WAV written as audio arrives, so long recordings do not stay in memory.

    The samples go to a hidden temporary file beside ``path``; ``finish`` moves it into
    place, so a crash never leaves half a file under ``path`` or replaces the old one.
    """

    def __init__(self, path: Path | str, rate: int) -> None:
        self.path = Path(path)
        self.rate = rate
        self._tmp: str | None = None
        self._wav = None

    def append(self, samples: np.ndarray) -> None:
        """Add float32 samples at ``rate``."""
        if self._wav is None:
            self._open()
        self._wav.writeframes(to_int16(samples).tobytes())

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            os.close(fd)
            self._wav = wave.open(self._tmp, "wb")  # opened by name, so close() closes the file
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(self.rate)
        except BaseException:
            self.discard()
            raise

    def finish(self) -> Path:
        """Close the file and move it to ``path`` (an empty WAV when nothing was appended)."""
        if self._wav is None:
            self._open()
        wav, self._wav = self._wav, None
        try:
            wav.close()  # writes the final header
            os.chmod(self._tmp, 0o644)  # mkstemp makes 0600; a reply WAV is an ordinary file
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise
        return self.path

    def discard(self) -> None:
        """Drop the temporary file; ``path`` is untouched."""
        if self._wav is not None:
            wav, self._wav = self._wav, None
            try:
                wav.close()
            except OSError:
                pass
        if self._tmp is not None:
            Path(self._tmp).unlink(missing_ok=True)


def rms(samples: np.ndarray) -> float:
    """Root-mean-square level of float samples."""
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0


def first_audible_index(samples: np.ndarray) -> int | None:
    """Index of the first sample louder than AUDIBLE, None if there is none."""
    loud = np.flatnonzero(np.abs(samples) > AUDIBLE)
    return int(loud[0]) if len(loud) else None


def trim_leading_silence(samples: np.ndarray, rate: int, keep_s: float = 0.005) -> np.ndarray:
    """Drop the silence a synthesized piece starts with (piper: 30-50 ms), keeping ``keep_s``."""
    first = first_audible_index(samples)
    if first is None:
        return samples
    return samples[max(0, first - int(keep_s * rate)):]
