"""Spoken test material made on the machine: espeak-ng voices and mixed-in noise.

Used by the tests and the benchmark, which must not depend on recordings from outside.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE, Clip, read_wav, resample
from assistant.core.errors import InputError


def espeak_clip(text: str, voice: str = "en-us", speed: int = 160, rate: int = ENGINE_RATE) -> Clip:
    """``text`` spoken by espeak-ng with ``voice`` at ``speed`` words per minute."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise InputError("espeak-ng is not installed; run `make setup` (or apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(wav), text],
                       check=True, capture_output=True)
        return read_wav(wav, rate)


def silence(seconds: float, rate: int = ENGINE_RATE) -> Clip:
    """A clip of digital silence."""
    return Clip(np.zeros(int(seconds * rate), np.float32), rate)


def piper_clip(tts, text: str, rate: int = ENGINE_RATE, length_scale: float | None = None) -> Clip:
    """``text`` spoken by a loaded PiperTts voice, the same audio on every run (``PiperTts.steady``)."""
    return resample(tts.steady(length_scale).synthesize(text), rate)


def with_silence(clip: Clip, before_s: float = 0.3, after_s: float = 0.5) -> Clip:
    """The clip with silence around it, as a microphone would hear a question."""
    before = np.zeros(int(before_s * clip.rate), np.float32)
    after = np.zeros(int(after_s * clip.rate), np.float32)
    return Clip(np.concatenate([before, clip.samples, after]), clip.rate)


def mix_noise(clip: Clip, snr_db: float = 15.0, seed: int = 0, pink: bool = False) -> Clip:
    """Add noise at ``snr_db`` below the speech level (deterministic): white-ish, or with
    ``pink`` the 1/f noise of a room (fans, traffic, a kitchen) that masks low voices more."""
    rng = np.random.default_rng(seed)
    speech = clip.samples
    power = float(np.mean(speech[np.abs(speech) > 0.01] ** 2)) if np.any(np.abs(speech) > 0.01) else 1e-4
    noise = pink_noise(len(speech), rng) if pink else rng.normal(0.0, 1.0, len(speech))
    noise = (noise * np.sqrt(power / 10 ** (snr_db / 10))).astype(np.float32)
    return Clip(np.clip(speech + noise, -1.0, 1.0).astype(np.float32), clip.rate)


def pink_noise(length: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-power noise whose power falls as 1/frequency."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, length)
    return noise / max(1e-12, float(np.sqrt(np.mean(noise ** 2))))


def concat(*clips: Clip, rate: int = ENGINE_RATE) -> Clip:
    """Clips one after the other at one rate."""
    parts = [resample(c, rate).samples for c in clips]
    return Clip(np.concatenate(parts) if parts else np.zeros(0, np.float32), rate)


def wake_words(detector) -> str:
    """What to say to wake ``detector`` (its first phrase as a sentence, "Hey mycroft."); the
    configured default when there is none."""
    phrases = getattr(detector, "phrases", None) or ("hey mycroft",)
    return phrases[0].capitalize() + "."


def at_level(clip: Clip, dbfs: float) -> Clip:
    """The clip scaled so its speech (samples above -40 dBFS) has an RMS of ``dbfs``."""
    loud = clip.samples[np.abs(clip.samples) > 0.01]
    power = float(np.sqrt(np.mean(loud ** 2))) if len(loud) else 1.0
    return Clip((clip.samples * (10 ** (dbfs / 20) / power)).astype(np.float32), clip.rate)
