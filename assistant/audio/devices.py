"""Find sound devices by name or index; play a clip on a speaker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.audio.format import Clip, resample
from assistant.core.errors import AudioDeviceError


def _sd():
    try:
        import sounddevice
    except OSError as exc:  # libportaudio2 missing
        raise AudioDeviceError(f"PortAudio is not available ({exc}); install libportaudio2") from None
    return sounddevice


@dataclass(frozen=True)
class Device:
    """A sound device PortAudio can open."""

    index: int
    """PortAudio device index."""
    name: str
    """Device name as PortAudio reports it."""
    default_rate: int
    """The device's default sample rate."""


def find_device(spec: str | None, kind: str) -> Device:
    """The input or output device named by ``spec`` (index, name substring or empty for default)."""
    sd = _sd()
    key = "audio.input_device" if kind == "input" else "audio.output_device"
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    devices = []
    try:
        devices = list(sd.query_devices())
        if spec in (None, ""):
            info = sd.query_devices(kind=kind)
            return Device(int(info["index"]), info["name"], int(info["default_samplerate"]))
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"{key}: no default {kind} device ({exc}); set {key} to one of: "
                               f"{_names(devices, channels)}") from None
    usable = [d for d in devices if d[channels] > 0]
    if str(spec).isdigit():
        match = [d for d in usable if d["index"] == int(spec)]
    else:
        match = [d for d in usable if str(spec).lower() in d["name"].lower()]
    if not match:
        raise AudioDeviceError(f"{key}: no {kind} device matches {spec!r}; available: {_names(usable, channels)}")
    d = match[0]
    return Device(int(d["index"]), d["name"], int(d["default_samplerate"]))


def _names(devices, channels: str) -> str:
    names = [f"{d['index']}:{d['name']}" for d in devices if d[channels] > 0]
    return ", ".join(names) or "none (no sound card found)"


def open_rate(device: Device, wanted: int, kind: str) -> int:
    """``wanted`` if the device accepts it, else the device's default rate."""
    sd = _sd()
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    try:
        check(device=device.index, samplerate=wanted, channels=1, dtype="float32")
        return wanted
    except sd.PortAudioError:
        return device.default_rate


def play_clip(clip: Clip, device_spec: str | None) -> Device:
    """Play a clip to the end on the configured speaker (blocking)."""
    sd = _sd()
    device = find_device(device_spec, "output")
    rate = open_rate(device, clip.rate, "output")
    samples = resample(clip, rate).samples
    try:
        with sd.OutputStream(device=device.index, samplerate=rate, channels=1, dtype="float32") as out:
            out.write(np.ascontiguousarray(samples.reshape(-1, 1)))
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"audio.output_device: playing on {device.name!r} failed ({exc})") from None
    return device
