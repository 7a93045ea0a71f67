"""`assistant serve` with the real engines, used by the wyoming package's own AsyncClient
(as Home Assistant would): describe, transcribe, synthesize (whole and streamed), detect."""

from __future__ import annotations

import asyncio
import time

import numpy as np
from support import ROOT, WAKE, words
from support.wyoming import describe
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped
from wyoming.wake import Detect, Detection, NotDetected

from assistant.audio.format import Clip, read_wav, to_int16
from assistant_tools.speech import concat, piper_clip, silence

TIMEOUT_S = 60.0  # the cores are shared: a generous bound on each event


async def session(uri: str, events, until) -> tuple[list, float | None]:
    """Send events, read until ``until(event)``; (events read, seconds to the first audio chunk)."""
    seen, first_chunk = [], None
    async with AsyncClient.from_uri(uri, connect_timeout=5, read_timeout=TIMEOUT_S) as client:
        start = time.monotonic()
        for event in events:
            await client.write_event(event)
        while True:
            event = await client.read_event()
            assert event is not None, f"closed after {[e.type for e in seen]}"
            if first_chunk is None and AudioChunk.is_type(event.type):
                first_chunk = time.monotonic() - start
            seen.append(event)
            if until(event):
                return seen, first_chunk


def audio_of(events) -> Clip:
    """The audio chunks of a reply as one clip."""
    chunks = [AudioChunk.from_event(e) for e in events if AudioChunk.is_type(e.type)]
    pcm = b"".join(c.audio for c in chunks)
    return Clip(np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0, chunks[0].rate)


def clip_events(clip: Clip, lead: list | None = None) -> list:
    """audio-start, 1024-sample chunks (with their timestamps), audio-stop."""
    pcm = to_int16(clip.samples).tobytes()
    events = list(lead or []) + [AudioStart(rate=clip.rate, width=2, channels=1).event()]
    for i in range(0, len(pcm), 2048):
        events.append(AudioChunk(rate=clip.rate, width=2, channels=1, audio=pcm[i:i + 2048],
                                 timestamp=i // 2 * 1000 // clip.rate).event())
    return events + [AudioStop().event()]


def transcribe(uri: str, clip: Clip) -> str:
    seen, _ = asyncio.run(session(uri, clip_events(clip, [Transcribe(language="en").event()]),
                                  lambda e: Transcript.is_type(e.type)))
    return Transcript.from_event(seen[-1]).text


def test_describe_answers_with_what_the_config_selects(wyoming_server):
    info = asyncio.run(describe(wyoming_server))
    assert [m.name for m in info.asr[0].models] == ["whisper-tiny.en"]
    assert [v.name for v in info.tts[0].voices] == ["en_US-joe-medium"] and info.tts[0].supports_synthesize_streaming
    assert info.wake[0].name == "assistant-micro"  # the default wake word
    assert [m.phrase for m in info.wake[0].models] == ["hey mycroft"]
    assert info.asr[0].attribution.url == "https://github.com/SYSTRAN/faster-whisper"


def test_transcribes_a_recorded_question(wyoming_server):
    text = transcribe(wyoming_server, read_wav(ROOT / "assistant" / "data" / "question.wav"))
    assert {"capital", "france"} <= words(text)


def test_synthesized_speech_transcribes_back_to_the_text(wyoming_server):
    seen, first = asyncio.run(session(wyoming_server, [Synthesize(text="Please turn off the kitchen lights.").event()],
                                      lambda e: AudioStop.is_type(e.type)))
    clip = audio_of(seen)
    print(f"synthesize over Wyoming: first chunk after {first:.3f} s, {clip.seconds:.2f} s of audio")
    assert clip.rate == 22050 and sum(AudioStart.is_type(e.type) for e in seen) == 1
    heard = transcribe(wyoming_server, clip)  # sent at 22050 Hz: the server resamples it
    assert {"turn", "off", "kitchen", "lights"} <= words(heard), heard


def test_streamed_text_comes_back_sentence_by_sentence(wyoming_server):
    pieces = [w + " " for w in "The weather is sunny today. It will rain tomorrow evening.".split()]
    events = [SynthesizeStart().event(), *[SynthesizeChunk(text=p).event() for p in pieces],
              Synthesize(text="".join(pieces)).event(), SynthesizeStop().event()]
    seen, first = asyncio.run(session(wyoming_server, events, lambda e: SynthesizeStopped.is_type(e.type)))
    print(f"streamed synthesis over Wyoming: first chunk after {first:.3f} s")
    assert sum(AudioStart.is_type(e.type) for e in seen) >= 2
    assert {"weather", "sunny", "rain", "tomorrow"} <= words(transcribe(wyoming_server, audio_of(seen)))


def test_detects_the_spoken_wake_word_and_only_it(wyoming_server, tts):
    spoken = concat(silence(0.5), piper_clip(tts, WAKE), silence(1.0))
    seen, _ = asyncio.run(session(wyoming_server, clip_events(spoken, [Detect().event()]),
                                  lambda e: Detection.is_type(e.type) or NotDetected.is_type(e.type)))
    hit = Detection.from_event(seen[-1])
    assert hit.name == "hey_mycroft" and 500 < hit.timestamp < spoken.seconds * 1000
    other = concat(silence(0.5), piper_clip(tts, "Good morning. The kettle is on."), silence(1.0))
    seen, _ = asyncio.run(session(wyoming_server, clip_events(other, [Detect().event()]),
                                  lambda e: Detection.is_type(e.type) or NotDetected.is_type(e.type)))
    assert NotDetected.is_type(seen[-1].type)
