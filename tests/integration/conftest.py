"""Servers shared by the integration tests: started once per session, on 127.0.0.1 only."""

from __future__ import annotations

import pytest
from support import ROOT
from support.wyoming import assistant_serve, loopback_uri, stop, wait_ready

STEADY_CONFIG = f"""\
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


@pytest.fixture(scope="session")
def wyoming_server(tmp_path_factory):
    """`assistant serve` with the shipped models (whisper tiny.en, piper Joe, the vad-whisper
    wake word): its URI."""
    uri = loopback_uri()
    folder = tmp_path_factory.mktemp("wyoming")
    (folder / "config.yaml").write_text(STEADY_CONFIG)
    log = folder / "serve.log"
    proc = assistant_serve(uri, log, folder / "config.yaml")
    try:
        seconds = wait_ready(uri, proc, log)
        print(f"assistant serve ready in {seconds:.1f} s")
        yield uri
    finally:
        stop(proc)
