"""Text-to-speech on a Wyoming server (tts.engine: wyoming), e.g. wyoming-piper or another
assistant's `assistant serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped, SynthesizeVoice

from assistant.audio.format import Clip, resample
from assistant.core.errors import ConfigError, TtsError
from assistant.net.wyoming import Connection, WyomingRemote, chunk_samples

PROBE_TEXT = "Ready."
"""Spoken once when the client is made: it tells the server's sample rate and warms the server up."""


async def read_segment(conn: Connection) -> Optional[Clip]:
    """One audio-start .. audio-stop run as a clip; None at synthesize-stopped (the stream's end)."""
    rate, parts = 0, []
    while True:
        event = await conn.receive(AudioStart, AudioChunk, AudioStop, SynthesizeStopped)
        if AudioStart.is_type(event.type):
            rate = AudioStart.from_event(event).rate
        elif AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            rate = rate or chunk.rate
            parts.append(chunk_samples(chunk))
        elif AudioStop.is_type(event.type):
            return Clip(np.concatenate(parts) if parts else np.zeros(0, np.float32), rate)
        else:
            return None


class WyomingTextToSpeech:
    """A voice on a Wyoming server: one connection per text, audio at the server's rate."""

    name = "wyoming"

    def __init__(self, uri: str, voice: str | None, connect_s: float, read_s: float, loop=None) -> None:
        self.remote = WyomingRemote(uri, "tts.wyoming_uri", TtsError, connect_s, read_s, loop)
        self.voice = SynthesizeVoice(name=voice) if voice else None
        self.model_path = Path(uri.partition("://")[2])
        """The server's address (there is no local voice file)."""
        programs = self.remote.describe().tts
        voices = [v.name for p in programs for v in p.voices]
        if not programs:
            raise ConfigError(f"{self.remote.where}: the server offers no text-to-speech; "
                              "point tts.wyoming_uri at one that does")
        if voice and voice not in voices:
            raise ConfigError(f"tts.wyoming_voice: {self.remote.uri} has no voice {voice!r}; "
                              f"it offers {', '.join(voices[:8])}{' ...' if len(voices) > 8 else ''}")
        self.streaming = any(p.supports_synthesize_streaming for p in programs)
        """The server speaks streamed text sentence by sentence (wyoming 1.7 synthesize-start)."""
        self.rate = 0
        self.rate = self.synthesize(PROBE_TEXT).rate
        """Sample rate of the audio it makes (the server's)."""

    def synthesize(self, text: str) -> Clip:
        """The whole text as one clip (synthesize, then one audio-start .. audio-stop)."""
        async def ask(conn: Connection) -> Optional[Clip]:
            await conn.send(Synthesize(text=text, voice=self.voice).event())
            return await read_segment(conn)

        return self._at_rate(self.remote.request(ask))

    def stream(self, text: str) -> Iterator[np.ndarray]:
        """float32 audio at ``rate``, one chunk per sentence where the server streams, else one."""
        if not self.streaming:
            yield self.synthesize(text).samples
            return
        conn = self.remote.connect()
        try:
            self.remote.run(conn.send(SynthesizeStart(voice=self.voice).event(), SynthesizeChunk(text=text).event(),
                                      Synthesize(text=text, voice=self.voice).event(), SynthesizeStop().event()))
            while (clip := self.remote.run(read_segment(conn))) is not None:
                yield self._at_rate(clip).samples
        finally:
            self.remote.run(conn.close())

    def _at_rate(self, clip: Optional[Clip]) -> Clip:
        if clip is None or not clip.rate:
            raise TtsError(f"{self.remote.where}: the server sent no audio")
        return resample(clip, self.rate) if self.rate else clip
