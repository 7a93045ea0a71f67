"""The assistant's Wyoming clients against third-party servers from the registry, on 127.0.0.1
with the packaged models: wyoming-piper (tts.engine: wyoming) and wyoming-faster-whisper
(stt.engine: wyoming). Neither may download anything."""

from __future__ import annotations

import time

import pytest
from support import ROOT, words
from support.daemon import make_config
from support.wyoming import loopback_uri, running, wyoming_faster_whisper, wyoming_piper

from assistant.audio.format import read_wav, resample
from assistant.models.loading import load_stt, load_tts

LIGHTS = "Please turn off the kitchen lights. Then lock the front door."


def third_party(tmp_path_factory, name: str, start):
    """``start(uri, log, folder)``'s server, ready; afterwards its folder for downloads must be
    empty and its log must not show a download."""
    folder = tmp_path_factory.mktemp(name)
    uri, log, files = loopback_uri(), folder / "server.log", folder / "files"
    files.mkdir()
    with running(start(uri, log, files), uri, log):
        yield uri
    assert not any(files.iterdir()), f"{name} downloaded something"
    assert "Downloading" not in log.read_text(errors="replace")


@pytest.fixture(scope="module")
def piper_server(tmp_path_factory):
    yield from third_party(tmp_path_factory, "wyoming-piper", wyoming_piper)


@pytest.fixture(scope="module")
def whisper_server(tmp_path_factory):
    yield from third_party(tmp_path_factory, "wyoming-faster-whisper", wyoming_faster_whisper)


def test_tts_engine_wyoming_speaks_through_wyoming_piper(piper_server, whisper, tts):
    config = make_config(tts={"engine": "wyoming", "wyoming_uri": piper_server}, timeouts={"tts_s": 120})
    remote = load_tts(config)  # asks what the server offers, and speaks once: its voice loads lazily
    assert remote.name == "wyoming" and remote.rate == 22050 and remote.streaming
    start = time.monotonic()
    first = next(remote.stream(LIGHTS))
    over_wyoming = time.monotonic() - start
    start = time.monotonic()
    next(tts.stream(LIGHTS))
    print(f"first sentence's audio: {over_wyoming:.3f} s over Wyoming, {time.monotonic() - start:.3f} s in process")
    assert len(first) > 0.5 * remote.rate
    parts = list(remote.stream(LIGHTS))
    assert len(parts) == 2  # one audio run per sentence
    heard = whisper.transcribe(resample(remote.synthesize(LIGHTS), 16000).samples)
    assert {"turn", "off", "kitchen", "lights", "lock", "front", "door"} <= words(heard), heard


def test_stt_engine_wyoming_transcribes_through_wyoming_faster_whisper(whisper_server, whisper):
    config = make_config(stt={"engine": "wyoming", "wyoming_uri": whisper_server}, timeouts={"stt_s": 120})
    remote = load_stt(config)
    assert remote.name == "wyoming" and remote.models
    question = read_wav(ROOT / "assistant" / "data" / "question.wav").samples
    start = time.monotonic()
    text = remote.transcribe(question)
    over_wyoming = time.monotonic() - start
    start = time.monotonic()
    whisper.transcribe(question)
    print(f"speech-to-text of question.wav: {over_wyoming:.3f} s over Wyoming (wyoming-faster-whisper, "
          f"beam 1), {time.monotonic() - start:.3f} s in process (beam 5)")
    assert {"capital", "france"} <= words(text), text
