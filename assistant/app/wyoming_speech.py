"""Speaking for one Wyoming client: a whole text as one audio run, or streamed text
(wyoming 1.7 synthesize-start/-chunk/-stop) as one audio run per sentence, each sentence
spoken as soon as it is complete."""

from __future__ import annotations

from typing import Awaitable, Callable

from wyoming.audio import AudioStart, AudioStop
from wyoming.event import Event
from wyoming.tts import SynthesizeStopped

from assistant.core.errors import TtsError
from assistant.dialog.sentences import SentenceSplitter
from assistant.net.wyoming import SAMPLES_PER_CHUNK, WIDTH, audio_chunk


class Speech:
    """Synthesis on one connection; the voice runs on the services' tts worker thread."""

    def __init__(self, services, write: Callable[[Event], Awaitable[None]]) -> None:
        self.services, self.write = services, write
        self.splitter: SentenceSplitter | None = None
        """The text streamed so far that is not yet spoken (None: no stream is open)."""

    async def synthesize(self, text: str) -> None:
        """synthesize: the whole text; ignored while a stream is open (it is the stream's
        copy for servers that do not stream)."""
        if self.splitter is None:
            await self._speak(text)

    def open_stream(self) -> None:
        """synthesize-start."""
        self.splitter = SentenceSplitter()

    async def stream_text(self, text: str) -> None:
        """synthesize-chunk: speak every sentence it completes."""
        if self.splitter is not None:
            for piece in self.splitter.feed(text):
                await self._speak(piece)

    async def close_stream(self) -> None:
        """synthesize-stop: speak the rest, then synthesize-stopped."""
        splitter, self.splitter = self.splitter, None
        for piece in splitter.flush() if splitter is not None else []:
            await self._speak(piece)
        await self.write(SynthesizeStopped().event())

    async def _speak(self, text: str) -> None:
        """audio-start, the audio chunk by chunk as each sentence is made, audio-stop."""
        s = self.services
        if s.tts is None:
            raise TtsError("this server offers no text-to-speech")
        rate, sent = s.tts.rate, 0
        sentences = s.tts.stream(text.strip())
        await self.write(AudioStart(rate=rate, width=WIDTH, channels=1, timestamp=0).event())
        while (samples := await s.tts_pool.run(s.timeouts.tts_s, next, sentences, None)) is not None:
            for start in range(0, len(samples), SAMPLES_PER_CHUNK):
                part = samples[start:start + SAMPLES_PER_CHUNK]
                await self.write(audio_chunk(part, rate, sent * 1000 // rate))
                sent += len(part)
        await self.write(AudioStop(timestamp=sent * 1000 // rate).event())
