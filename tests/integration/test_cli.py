"""The commands a newcomer runs, end to end on the real default models."""

from __future__ import annotations

import json
import subprocess

import pytest
from support import ASSISTANT, ROOT, words

from assistant.audio.format import read_wav

pytestmark = pytest.mark.slow
QUESTION_WAV = ROOT / "assistant" / "data" / "question.wav"


def run(*args, cwd=ROOT):
    return subprocess.run(ASSISTANT + list(args), capture_output=True, text=True, cwd=cwd, timeout=300)


def test_ask_answers_the_bundled_question(tmp_path, whisper):
    out = tmp_path / "answer.wav"
    proc = run("ask", str(QUESTION_WAV), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert {"capital", "france"} <= words(result["transcript"])
    assert result["reply"].strip()
    timings = result["timings"]
    assert set(timings) == {"stt_s", "llm_first_token_s", "llm_s", "tts_first_audio_s", "total_s"}
    assert 0 < timings["llm_first_token_s"] <= timings["llm_s"] and timings["total_s"] > timings["stt_s"]
    spoken = read_wav(out)
    assert 0.5 < spoken.seconds < 60
    # The WAV says what the reply says.
    heard = words(whisper.transcribe(spoken.samples))
    assert len(heard & words(result["reply"])) >= min(3, len(words(result["reply"])))


def test_ask_without_speaker_writes_reply_wav(tmp_path):
    proc = run("ask", str(QUESTION_WAV), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "reply.wav" in proc.stderr + proc.stdout
    assert read_wav(tmp_path / "reply.wav").seconds > 0.5


def test_transcribe_json_and_stereo_44k(tmp_path):
    import numpy as np

    from assistant.audio.format import resample

    clip = resample(read_wav(QUESTION_WAV), 44100)
    stereo = tmp_path / "stereo.wav"
    import wave
    with wave.open(str(stereo), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        pcm = (np.clip(clip.samples, -1, 1) * 32767).astype("<i2")
        wav.writeframes(np.stack([pcm, pcm], 1).tobytes())
    proc = run("transcribe", str(stereo), "--json")
    assert proc.returncode == 0, proc.stderr
    assert {"capital", "france"} <= words(json.loads(proc.stdout)["transcript"])


def test_chat_streams_to_stdout():
    proc = run("chat", "What is the capital of France? Answer in one word.")
    assert proc.returncode == 0, proc.stderr
    assert "paris" in proc.stdout.lower()


def test_say_writes_speech(tmp_path, whisper):
    out = tmp_path / "hello.wav"
    config = tmp_path / "steady.yaml"  # piper's chance variation off: whisper hears one rendition
    config.write_text("tts:\n  variation: false\n")
    proc = run("--config", str(config), "say", "Good morning, the kitchen lights are on.", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert {"morning", "kitchen", "lights"} <= words(whisper.transcribe(read_wav(out).samples))


def test_check_reports_each_part():
    proc = run("check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for key in ("config", "stt.model", "llm.model", "tts.voice", "audio.input_device", "audio.output_device"):
        assert f"{key}:" in proc.stdout
    # No English vosk model here: the fallback to whisper is reported.
    assert "using whisper-tiny.en" in proc.stdout
    from assistant.core.cpu_topology import performance_cores

    assert f"loads ({performance_cores()} threads)" in proc.stdout  # the LLM's default thread count


def test_check_fails_on_a_missing_model(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("llm:\n  model: /nonexistent/model.gguf\n")
    proc = run("--config", str(config), "check")
    assert proc.returncode != 0
    assert "FAIL  llm.model" in proc.stdout and "model.gguf" in proc.stdout


@pytest.mark.parametrize("args, code, text", [
    (["ask", "/nonexistent.wav"], 65, "file not found"),
    (["say", ""], 65, "text is empty"),
])
def test_bad_input_is_one_line(args, code, text):
    proc = run(*args)
    assert proc.returncode == code
    assert text in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_unknown_model_name_exits_78(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("llm:\n  model: llama-9000\n")
    proc = run("--config", str(config), "chat", "hi")
    assert proc.returncode == 78
    assert "llama-9000" in proc.stderr and "Traceback" not in proc.stderr
