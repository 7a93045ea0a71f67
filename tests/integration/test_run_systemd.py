"""`assistant run` under a systemd-like supervisor: READY, STATUS, WATCHDOG, STOPPING, fast exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
from support import ASSISTANT, ROOT, WAKE
from support.daemon import silence, spoken

from assistant.audio.format import write_wav
from assistant_tools.speech import concat

pytestmark = pytest.mark.slow


class NotifySocket:
    """The receiving end of NOTIFY_SOCKET, as systemd holds it."""

    def __init__(self, path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.messages: list[str] = []

    def wait_for(self, field: str, timeout_s: float) -> float:
        """Collect datagrams until one holds ``field``; return when it came."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {field} in {self.messages}")
            self.sock.settimeout(remaining)
            message = self.sock.recv(4096).decode()
            self.messages.append(message)
            if field in message.split("\n"):
                return time.monotonic()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_notify_protocol_and_clean_stop_while_speaking(tmp_path, tts, sig):
    mic = tmp_path / "mic.wav"
    write_wav(mic, concat(silence(0.5), spoken(tts, WAKE), silence(0.6),
                          spoken(tts, "Tell me a long story about the sea."), silence(0.3)))
    notify = NotifySocket(tmp_path / "notify.sock")
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify.sock"), WATCHDOG_USEC="1000000")
    env.pop("WATCHDOG_PID", None)
    config = tmp_path / "c.yaml"
    config.write_text("llm:\n  max_tokens: 300\n")
    proc = subprocess.Popen(
        ASSISTANT + ["--config", str(config), "run", "--mic", str(mic), "--speaker", str(tmp_path / "s.wav"),
                     "--events", str(tmp_path / "e.jsonl")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        notify.wait_for("READY=1", 120)
        notify.wait_for("WATCHDOG=1", 5)
        notify.wait_for("STATUS=speaking", 60)
        proc.send_signal(sig)
        sent = time.monotonic()
        notify.wait_for("STOPPING=1", 2)
        proc.wait(timeout=5)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    assert took < 2.0, f"took {took:.2f} s to exit"
    events = (tmp_path / "e.jsonl").read_text()
    assert '"stopping"' in events
