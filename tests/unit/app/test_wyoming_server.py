"""The Wyoming server's protocol, spoken by the wyoming package's own AsyncClient, on fake engines."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from support.wyoming import InProcessServer, describe, fake_services
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped
from wyoming.wake import Detect, Detection, NotDetected

from assistant import __version__
from assistant.app.serve import describe as describe_line
from assistant.audio.format import to_int16


@pytest.fixture(scope="module")
def server():
    running = InProcessServer(fake_services())
    yield running
    running.stop()


def pcm(samples: np.ndarray, channels: int = 1) -> bytes:
    return np.repeat(to_int16(samples), channels).tobytes()


async def exchange(uri: str, events, until, timeout_s: float = 5.0) -> list:
    """Send ``events``, read until an event ``until`` accepts; every event read."""
    seen = []
    async with AsyncClient.from_uri(uri, connect_timeout=timeout_s, read_timeout=timeout_s) as client:
        for event in events:
            await client.write_event(event)
        while True:
            event = await client.read_event()
            assert event is not None, f"closed after {[e.type for e in seen]}"
            seen.append(event)
            if until(event):
                return seen


def test_describe_names_each_service(server):
    info = asyncio.run(describe(server.uri))
    (asr,), (tts,), (wake,) = info.asr, info.tts, info.wake
    assert asr.name == "assistant-fake" and asr.version == __version__ and asr.models[0].languages == ["en"]
    assert asr.models[0].name == "whisper-tiny.en"  # the model the config selects
    assert tts.voices[0].name == "en_US-joe-medium" and tts.voices[0].languages == ["en_US"]
    assert tts.supports_synthesize_streaming
    assert [(m.name, m.phrase) for m in wake.models] == [("hey_computer", "hey computer")]
    assert all(p.attribution.name for p in (asr, tts, wake))


def test_transcribe_takes_any_rate_and_channels(server):
    seconds, rate = 1.0, 22050
    tone = (0.3 * np.sin(np.arange(int(seconds * rate)) / 5)).astype(np.float32)
    events = [Transcribe(language="en").event(), AudioStart(rate=rate, width=2, channels=2).event()]
    events += [AudioChunk(rate=rate, width=2, channels=2, audio=pcm(tone[i:i + 2048], 2)).event()
               for i in range(0, len(tone), 2048)]
    events.append(AudioStop().event())
    seen = asyncio.run(exchange(server.uri, events, lambda e: Transcript.is_type(e.type)))
    assert Transcript.from_event(seen[-1]).text == "what time is it?"
    heard = server.services.stt.calls[-1]
    assert abs(heard - 16000 * seconds) < 400  # resampled to 16 kHz mono


def test_synthesize_is_one_audio_run(server):
    seen = asyncio.run(exchange(server.uri, [Synthesize(text="It is noon.").event()],
                                lambda e: AudioStop.is_type(e.type)))
    assert AudioStart.from_event(seen[0]).rate == 22050
    samples = sum(AudioChunk.from_event(e).samples for e in seen if AudioChunk.is_type(e.type))
    assert samples == int(len("It is noon.") * 0.01 * 22050)


def test_streamed_text_is_spoken_sentence_by_sentence(server):
    pieces = ["The weather ", "is sunny today. ", "Take a hat ", "with you."]
    events = [SynthesizeStart().event(), *[SynthesizeChunk(text=p).event() for p in pieces],
              Synthesize(text="".join(pieces)).event(), SynthesizeStop().event()]
    seen = asyncio.run(exchange(server.uri, events, lambda e: SynthesizeStopped.is_type(e.type)))
    assert sum(AudioStart.is_type(e.type) for e in seen) == 2  # two sentences; the full-text copy is ignored
    assert server.services.tts.spoken[-2:] == ["The weather is sunny today.", "Take a hat with you."]


def test_detect_reports_the_phrase_as_soon_as_it_is_heard(server):
    burst = np.concatenate([np.zeros(8000, np.float32), np.full(1600, 0.95, np.float32), np.zeros(8000, np.float32)])
    events = [Detect().event(), AudioStart(rate=16000, width=2, channels=1).event()]
    events += [AudioChunk(rate=16000, width=2, channels=1, audio=pcm(burst[i:i + 480]), timestamp=5000 + i // 16).event()
               for i in range(0, len(burst), 480)]
    seen = asyncio.run(exchange(server.uri, events, lambda e: Detection.is_type(e.type)))
    hit = Detection.from_event(seen[-1])
    assert hit.name == "hey_computer"
    assert 5000 + 600 <= hit.timestamp <= 5000 + 650  # in the client's time: the burst ended at 600 ms


def test_no_wake_word_is_not_detected(server):
    events = [Detect().event(), AudioStart(rate=16000, width=2, channels=1).event(),
              AudioChunk(rate=16000, width=2, channels=1, audio=pcm(np.zeros(4800, np.float32))).event(),
              AudioStop().event()]
    seen = asyncio.run(exchange(server.uri, events, lambda e: NotDetected.is_type(e.type)))
    assert not any(Detection.is_type(e.type) for e in seen)


def test_a_service_it_does_not_offer_is_an_error_not_a_hang():
    server = InProcessServer(fake_services(wake=False))
    try:
        seen = asyncio.run(exchange(server.uri, [Detect().event()], lambda e: Error.is_type(e.type)))
        assert Error.from_event(seen[-1]).text == "this server offers no wake word"
        assert asyncio.run(describe(server.uri)).wake == []  # and the connection went on
    finally:
        server.stop()


@pytest.mark.parametrize("uri, warned", [("tcp://127.0.0.1:10300", False), ("tcp://0.0.0.0:10300", True),
                                         ("unix:///run/assistant/wyoming.sock", False)])
def test_serving_beyond_loopback_says_there_is_no_authentication(uri, warned):
    line = describe_line(uri, fake_services())
    assert line.startswith("serving speech-to-text (assistant-fake), voice (assistant-fake), wake word")
    assert ("no authentication" in line) is warned


def test_an_address_in_use_is_one_clear_line(server):
    from assistant.app.serve import open_server
    from assistant.core.errors import ServerError

    with pytest.raises(ServerError) as caught:
        asyncio.run(open_server(server.uri, fake_services()))
    assert str(caught.value) == (f"Wyoming server {server.uri}: cannot listen (Address already in use); "
                                 "choose another port (--wyoming or server.wyoming_uri)")
    assert caught.value.exit_code == 69
