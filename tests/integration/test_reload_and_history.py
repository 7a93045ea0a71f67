"""Config reload on SIGHUP, and the conversation history's token budget."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from support import ASSISTANT, ROOT


@pytest.mark.slow
def test_sighup_keeps_the_old_config_when_the_new_one_is_invalid(tmp_path):
    import numpy as np

    from assistant.audio.format import Clip, write_wav

    config = tmp_path / "c.yaml"
    config.write_text("endpoint:\n  silence_s: 0.6\n")
    mic = tmp_path / "mic.wav"
    write_wav(mic, Clip(np.zeros(1600, np.float32), 16000))
    events = tmp_path / "e.jsonl"
    proc = subprocess.Popen(ASSISTANT + ["--config", str(config), "run", "--mic", str(mic),
                                         "--speaker", str(tmp_path / "s.wav"), "--events", str(events)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_event(kind: str, count: int = 1) -> list[dict]:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = [json.loads(line) for line in events.read_text().splitlines()] if events.exists() else []
            if sum(e["type"] == kind for e in found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {kind} event")

    try:
        wait_event("ready")
        config.write_text("endpoint:\n  silence_s: lots\n")
        proc.send_signal(signal.SIGHUP)
        found = wait_event("error")
        assert "keeping the running configuration" in found[-1]["message"]
        assert "endpoint.silence_s" in found[-1]["message"]
        config.write_text("endpoint:\n  silence_s: 0.7\n")
        proc.send_signal(signal.SIGHUP)
        found = wait_event("reloaded")
        assert found[-1]["keys"] == ["endpoint.silence_s"]
        assert proc.poll() is None  # still running
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert config.read_text() == "endpoint:\n  silence_s: 0.7\n"
    assert os.path.exists(tmp_path / "s.wav")
