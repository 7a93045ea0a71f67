"""WAV input of any rate, width and channel count; clear errors for bad files."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from assistant.audio.format import Clip, WavRecording, read_wav, resample, write_wav
from assistant.core.errors import InputError


def _write(path, samples_int, width, rate, channels=1):
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(samples_int.tobytes())
    return path


def _tone(rate, seconds=0.5, freq=440.0):
    t = np.arange(int(rate * seconds)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize("width, rate", [(1, 8000), (2, 44100), (2, 16000), (4, 48000)])
def test_reads_any_width_and_rate_as_16k_mono(tmp_path, width, rate):
    tone = _tone(rate)
    if width == 1:
        data = (tone * 127 + 128).astype(np.uint8)
    elif width == 2:
        data = (tone * 32767).astype("<i2")
    else:
        data = (tone * 2**31 * 0.999).astype("<i4")
    clip = read_wav(_write(tmp_path / "a.wav", data, width, rate))
    assert clip.rate == 16000
    assert abs(clip.seconds - 0.5) < 0.01
    assert 0.3 < np.abs(clip.samples).max() < 0.6


def test_24_bit_and_stereo(tmp_path):
    tone = _tone(22050)
    ints = (tone * (2**23 - 1)).astype(np.int32)
    stereo = np.stack([ints, ints], axis=1).reshape(-1)
    raw = np.frombuffer(stereo.astype("<i4").tobytes(), np.uint8).reshape(-1, 4)[:, :3].copy()
    clip = read_wav(_write(tmp_path / "s.wav", raw, 3, 22050, channels=2))
    assert abs(clip.seconds - 0.5) < 0.01 and 0.4 < np.abs(clip.samples).max() < 0.6


def test_empty_wav_is_refused(tmp_path):
    path = _write(tmp_path / "empty.wav", np.zeros(0, "<i2"), 2, 16000)
    with pytest.raises(InputError, match="empty.wav: the WAV file holds no audio"):
        read_wav(path)


def test_not_a_wav_is_refused(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("hello")
    with pytest.raises(InputError, match="notes.wav: not a readable PCM WAV"):
        read_wav(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_wav(tmp_path / "nope.wav")


def test_write_is_atomic_and_round_trips(tmp_path):
    clip = Clip(_tone(22050).astype(np.float32), 22050)
    path = write_wav(tmp_path / "out.wav", clip)
    back = read_wav(path, rate=None)
    assert back.rate == 22050 and np.allclose(back.samples, clip.samples, atol=1e-3)
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_recording_streams_to_disk_and_replaces_the_file_only_at_the_end(tmp_path):
    path = tmp_path / "reply.wav"
    path.write_bytes(b"old reply")
    tone = np.sin(np.arange(4800) / 5.0).astype(np.float32) * 0.5
    recording = WavRecording(path, 16000)
    for start in range(0, len(tone), 480):
        recording.append(tone[start:start + 480])
    assert path.read_bytes() == b"old reply"  # still the old file while recording
    assert recording.finish() == path
    back = read_wav(path, 16000)
    assert len(back.samples) == len(tone) and np.allclose(back.samples, tone, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["reply.wav"]


def test_discarded_recording_leaves_the_old_file(tmp_path):
    path = tmp_path / "reply.wav"
    path.write_bytes(b"old reply")
    recording = WavRecording(path, 16000)
    recording.append(np.zeros(100, np.float32))
    recording.discard()
    assert path.read_bytes() == b"old reply" and len(list(tmp_path.iterdir())) == 1


def test_resample_keeps_duration():
    clip = Clip(_tone(22050).astype(np.float32), 22050)
    assert abs(resample(clip, 16000).seconds - clip.seconds) < 0.002


def test_leading_silence_is_cut_to_a_few_milliseconds_and_nothing_audible_is_lost():
    from assistant.audio.format import first_audible_index, trim_leading_silence

    rate = 16000
    speech = np.sin(np.linspace(0, 200, rate // 2)).astype(np.float32) * 0.3
    piece = np.concatenate([np.full(800, 2e-4, np.float32), speech, np.zeros(1600, np.float32)])
    trimmed = trim_leading_silence(piece, rate)
    assert first_audible_index(trimmed) == int(0.005 * rate)  # 5 ms kept of the 50 ms
    assert np.array_equal(trimmed[-len(speech) - 1600:], piece[-len(speech) - 1600:])  # tail kept
    silent = np.zeros(100, np.float32)
    assert trim_leading_silence(silent, rate) is silent and first_audible_index(silent) is None
