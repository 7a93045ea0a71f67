"""llama-cpp-python's OpenAI-compatible server on 127.0.0.1: a real remote model for the tests.

Its `server` extra (fastapi, uvicorn, sse-starlette, ...) is a test-only requirement
(requirements/test.txt). uvicorn binds the port only once the model is loaded, so the first
200 from GET /v1/models means ready. By default a new request ends the one streaming, so a
test sends one request at a time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

ALIAS = "smollm2"
"""The model name the server answers to (it serves one model whatever the request asks for)."""


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LlamaServer:
    """A running server process and its log."""

    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def cpu_s(self) -> float:
        """CPU seconds the server process has used (user + system)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, as on a power cut."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_llama_server(model: Path, log: Path, n_ctx: int = 2048, ready_timeout_s: float = 120.0) -> LlamaServer:
    """Start the server on a free port with one thread (the machine is shared), wait until it answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", ALIAS,
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx), "--chat_format", "chatml",
           "--n_threads", "1", "--n_threads_batch", "1", "--verbose", "False"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    server = LlamaServer(proc, port, log)
    deadline = time.monotonic() + ready_timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}: {server.log_text()[-2000:]}")
        try:
            if httpx2.get(f"{server.url}/models", timeout=1.0, trust_env=False).status_code == 200:
                return server
        except httpx2.TransportError:
            pass
        time.sleep(0.05)
    server.kill()
    raise TimeoutError(f"llama_cpp.server not ready after {ready_timeout_s:g} s; see {log}")
