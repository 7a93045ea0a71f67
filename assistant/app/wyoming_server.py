"""The assistant's wake word, speech-to-text and voice as Wyoming services (for Home Assistant).

    describe                                           -> info
    transcribe, audio-start, audio-chunk..., audio-stop -> transcript
    detect, audio-start, audio-chunk..., audio-stop     -> detection (as soon as heard) | not-detected
    synthesize                                         -> audio-start, audio-chunk..., audio-stop
    synthesize-start, synthesize-chunk..., synthesize-stop
        -> audio-start .. audio-stop per sentence, then synthesize-stopped

The wyoming package's AsyncServer accepts the connections and makes one handler each; the
engines are loaded once and shared, each behind its own worker thread with the stage's time
limit, so the event loop never waits on one. Wyoming has no authentication: the server listens
on 127.0.0.1 unless the user names another address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Optional

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop
from wyoming.wake import Detect, Detection, NotDetected

from assistant.app.wyoming_speech import Speech
from assistant.audio.format import ENGINE_RATE
from assistant.audio.resample import StreamResampler
from assistant.config.settings import TimeoutSettings
from assistant.core.errors import AssistantError, SttError, TtsError, WakeError
from assistant.core.workers import StagePool
from assistant.net.wyoming import chunk_samples

log = logging.getLogger(__name__)

MAX_TRANSCRIBE_S = 60.0
"""Longest audio one transcribe keeps; more is dropped (Home Assistant stops at the end of speech)."""


@dataclass
class Services:
    """What the server offers: engines loaded once, shared by every connection."""

    info: Info
    """The answer to describe."""
    stt: object = None
    """The speech recognizer (None: not offered)."""
    tts: object = None
    """The voice (None: not offered)."""
    new_wake: Optional[Callable[[], object]] = None
    """Makes a fresh wake detector for a connection (None: not offered)."""
    timeouts: TimeoutSettings = field(default_factory=TimeoutSettings)
    """Time limits of the engine calls."""
    stt_pool: StagePool = field(default_factory=lambda: StagePool("wyoming-stt", SttError))
    tts_pool: StagePool = field(default_factory=lambda: StagePool("wyoming-tts", TtsError))
    wake_pool: StagePool = field(default_factory=lambda: StagePool("wyoming-wake", WakeError))

    def close(self) -> None:
        """Let the worker threads end."""
        for pool in (self.stt_pool, self.tts_pool, self.wake_pool):
            pool.close()


class AudioIn:
    """Incoming audio of any rate, width and channel count as 16 kHz float32."""

    def __init__(self) -> None:
        self.rate = 0
        self.resampler: Optional[StreamResampler] = None

    def convert(self, chunk: AudioChunk) -> np.ndarray:
        if chunk.rate != self.rate:
            self.rate, self.resampler = chunk.rate, StreamResampler(chunk.rate, ENGINE_RATE)
        return self.resampler.process(chunk_samples(chunk))

    def flush(self) -> np.ndarray:
        """The end of the stream, still in the resampler's filter."""
        return self.resampler.flush() if self.resampler is not None else np.zeros(0, np.float32)


class WyomingHandler(AsyncEventHandler):
    """One client connection."""

    def __init__(self, services: Services, reader, writer) -> None:
        super().__init__(reader, writer)
        self.services = services
        self.speech = Speech(services, self.write_event)
        self.audio_in = AudioIn()
        self.heard: list[np.ndarray] = []
        self.heard_samples = 0
        self.language: Optional[str] = None
        self.wake = None  # the detector while a detect is open
        self.wake_base_ms = None  # the client's timestamp of the first chunk after detect
        self.detected = False

    async def handle_event(self, event: Event) -> bool:
        try:
            await self._dispatch(event)
        except OSError:  # the client went away while we answered
            return False
        except AssistantError as exc:
            log.warning("wyoming %s: %s", event.type, exc)
            return await self._report(Error(text=str(exc), code=type(exc).__name__), keep=True)
        except Exception as exc:  # a bug: report it and drop this client, the server goes on
            log.exception("wyoming %s failed", event.type)
            return await self._report(Error(text=f"internal error ({type(exc).__name__})", code="internal"))
        return True

    async def _report(self, error: Error, keep: bool = False) -> bool:
        """Tell the client; True to keep its connection."""
        try:
            await self.write_event(error.event())
        except OSError:
            return False
        return keep

    async def _dispatch(self, event: Event) -> None:
        kind = event.type
        if Describe.is_type(kind):
            await self.write_event(self.services.info.event())
        elif Transcribe.is_type(kind):
            self.language = Transcribe.from_event(event).language
            self._close_wake()
        elif Detect.is_type(kind):
            await self._detect()
        elif AudioStart.is_type(kind):
            self.audio_in, self.heard, self.heard_samples = AudioIn(), [], 0
        elif AudioChunk.is_type(kind):
            await self._chunk(AudioChunk.from_event(event))
        elif AudioStop.is_type(kind):
            await self._stop()
        elif Synthesize.is_type(kind):
            await self.speech.synthesize(Synthesize.from_event(event).text)
        elif SynthesizeStart.is_type(kind):
            self.speech.open_stream()
        elif SynthesizeChunk.is_type(kind):
            await self.speech.stream_text(SynthesizeChunk.from_event(event).text)
        elif SynthesizeStop.is_type(kind):
            await self.speech.close_stream()

    def _offered(self, what, key: str, error: type[AssistantError]):
        if what is None:
            raise error(f"this server offers no {key}")
        return what

    async def _detect(self) -> None:
        s = self.services
        new_wake = self._offered(s.new_wake, "wake word", WakeError)
        self.wake = await s.wake_pool.run(s.timeouts.stt_s, new_wake)
        self.wake_base_ms, self.detected = None, False

    async def _chunk(self, chunk: AudioChunk) -> None:
        samples = self.audio_in.convert(chunk)
        if self.wake is not None:
            await self._listen_for_wake(samples, chunk.timestamp)
        elif self.heard_samples < MAX_TRANSCRIBE_S * ENGINE_RATE:
            self.heard.append(samples)
            self.heard_samples += len(samples)

    async def _listen_for_wake(self, samples: np.ndarray, timestamp: Optional[int]) -> None:
        s = self.services
        if self.wake_base_ms is None:
            self.wake_base_ms = timestamp or 0
        hit = await s.wake_pool.run(s.timeouts.stt_s, self.wake.accept, samples)
        if hit is not None:
            self.detected = True
            end_ms = self.wake_base_ms + hit.end_sample * 1000 // ENGINE_RATE
            await self.write_event(Detection(name=hit.phrase.replace(" ", "_"), timestamp=end_ms).event())

    async def _stop(self) -> None:
        if self.wake is not None:
            if not self.detected:
                await self.write_event(NotDetected().event())
            self._close_wake()
            return
        s = self.services
        stt = self._offered(s.stt, "speech-to-text", SttError)
        audio = np.concatenate([*self.heard, self.audio_in.flush()])
        self.heard, self.heard_samples = [], 0
        text = await s.stt_pool.run(s.timeouts.stt_s, stt.transcribe, audio)
        await self.write_event(Transcript(text=text, language=self.language).event())

    def _close_wake(self) -> None:
        self.wake, self.detected = None, False


async def start_server(uri: str, services: Services) -> AsyncServer:
    """Listen on ``uri`` without blocking (the caller's loop owns the signals); stop with ``stop()``."""
    server = AsyncServer.from_uri(uri)
    await server.start(partial(WyomingHandler, services))
    log.info("Wyoming services on %s (no authentication)", uri)
    return server
