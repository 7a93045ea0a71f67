"""The Wyoming clients (stt, tts, wake) against the project's server on fake engines, on
127.0.0.1: answers, time limits, and a clear typed error naming the key when the server is gone."""

from __future__ import annotations

import time

import numpy as np
import pytest
from support.wyoming import InProcessServer, fake_services, loopback_uri

from assistant.config.settings import WakeSettings
from assistant.core.errors import ConfigError, SttError, TtsError, WakeError
from assistant.stt.wyoming import WyomingSpeechToText
from assistant.tts.fake import FakeTextToSpeech
from assistant.tts.wyoming import WyomingTextToSpeech
from assistant.wake.wyoming import WyomingWakeDetector

SPEECH = (0.3 * np.sin(np.arange(16000) / 3)).astype(np.float32)
BURST = np.concatenate([np.full(1600, 0.95, np.float32), np.zeros(4800, np.float32)])


class SlowVoice(FakeTextToSpeech):
    """A tone voice that takes ``delay_s`` per text (a server busy or hung mid-answer)."""

    def __init__(self, delay_s: float) -> None:
        super().__init__(rate=22050)
        self.delay_s = delay_s

    def stream(self, text):
        if text != "Ready.":
            time.sleep(self.delay_s)
        yield from super().stream(text)


@pytest.fixture(scope="module")
def server():
    running = InProcessServer(fake_services())
    yield running
    running.stop()


def test_speech_to_text_client(server):
    stt = WyomingSpeechToText(server.uri, "en", connect_s=2, read_s=5)
    assert stt.name == "wyoming" and stt.models == ("whisper-tiny.en",)
    assert stt.transcribe(SPEECH) == "what time is it?"
    assert stt.transcript(np.zeros(8000, np.float32)).text == ""
    assert server.services.stt.calls[-2:] == [16000, 8000]


def test_text_to_speech_client_learns_the_rate_and_streams_sentences(server):
    tts = WyomingTextToSpeech(server.uri, None, connect_s=2, read_s=5)
    assert tts.rate == 22050 and tts.streaming
    clip = tts.synthesize("Hello there.")
    assert clip.rate == 22050 and len(clip.samples) == int(len("Hello there.") * 0.01 * 22050)
    parts = list(tts.stream("The weather is sunny today. Take a hat with you."))
    assert len(parts) == 2 and all(p.dtype == np.float32 for p in parts)


def test_a_voice_the_server_does_not_have_is_a_config_error(server):
    with pytest.raises(ConfigError, match="tts.wyoming_voice: .* has no voice 'nobody'; it offers en_US-joe-medium"):
        WyomingTextToSpeech(server.uri, "nobody", connect_s=2, read_s=5)


def test_wake_client_streams_audio_and_reports_where_the_phrase_ended(server):
    wake = WyomingWakeDetector(server.uri, WakeSettings(), connect_s=2)
    wake.start()
    try:
        hits = feed_until_hit(wake, [np.zeros(8000, np.float32), BURST])
        assert hits.phrase == "hey computer" and hits.engine == "wyoming"
        assert 8000 + 1600 <= hits.end_sample <= 8000 + 1600 + 480  # the burst's end, in fed samples
        wake.reset()
        assert feed_until_hit(wake, [BURST]).end_sample > hits.end_sample
    finally:
        wake.close()


def feed_until_hit(wake, clips, timeout_s: float = 5.0):
    """Feed 30 ms blocks of the clips, then silence, until the detector reports a hit."""
    audio = np.concatenate(clips)
    blocks = [audio[i:i + 480] for i in range(0, len(audio), 480)]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        hit = wake.accept(blocks.pop(0) if blocks else np.zeros(480, np.float32))
        if hit is not None:
            return hit
        time.sleep(0.005)
    raise AssertionError("no detection")


@pytest.mark.parametrize("make, error, key", [
    (lambda uri: WyomingSpeechToText(uri, "en", 2, 5), SttError, "stt.wyoming_uri"),
    (lambda uri: WyomingTextToSpeech(uri, None, 2, 5), TtsError, "tts.wyoming_uri"),
    (lambda uri: WyomingWakeDetector(uri, WakeSettings(), 2).start(), WakeError, "wake.wyoming_uri"),
])
def test_nothing_listening_is_the_stages_error_at_once(make, error, key):
    uri = loopback_uri()
    start = time.monotonic()
    with pytest.raises(error) as caught:
        make(uri)
    assert time.monotonic() - start < 1.0
    assert str(caught.value) == (f"{key} {uri}: cannot connect (Connection refused); "
                                 f"start the Wyoming server or correct {key}")


def test_a_server_that_does_not_answer_in_time_is_an_error():
    server = InProcessServer(fake_services(tts=SlowVoice(delay_s=2.0)))
    try:
        tts = WyomingTextToSpeech(server.uri, None, connect_s=2, read_s=0.5)
        start = time.monotonic()
        with pytest.raises(TtsError, match=r"tts.wyoming_uri tcp://127.0.0.1:\d+: no answer within 0.5 s"):
            tts.synthesize("Hello.")
        assert time.monotonic() - start < 1.5
    finally:
        server.stop()


def test_a_server_stopped_mid_answer_is_an_error_and_the_next_call_works_once_it_is_back():
    server = InProcessServer(fake_services(tts=SlowVoice(delay_s=1.0)))
    tts = WyomingTextToSpeech(server.uri, None, connect_s=2, read_s=5)
    from threading import Timer

    Timer(0.3, server.stop).start()
    with pytest.raises(TtsError, match="the server closed the connection before it answered"):
        tts.synthesize("Hello.")
    with pytest.raises(TtsError, match="cannot connect"):
        tts.synthesize("Hello.")
    server.start()
    try:
        assert tts.synthesize("Hello.").rate == 22050
    finally:
        server.stop()


def test_a_lost_wake_server_is_reported_once_and_start_reconnects():
    server = InProcessServer(fake_services())
    wake = WyomingWakeDetector(server.uri, WakeSettings(), connect_s=2)
    lost = []
    wake.on_error = lost.append
    wake.start()
    server.stop()
    deadline = time.monotonic() + 5
    while not lost and time.monotonic() < deadline:
        assert wake.accept(np.zeros(480, np.float32)) is None
        time.sleep(0.01)
    for _ in range(5):
        wake.accept(np.zeros(480, np.float32))
    assert len(lost) == 1 and lost[0].startswith(f"wake.wyoming_uri {server.uri}: ")
    with pytest.raises(WakeError, match="cannot connect"):
        wake.start()
    server.start()
    try:
        wake.start()
        assert feed_until_hit(wake, [BURST]).phrase == "hey computer"
    finally:
        wake.close()
        server.stop()
