"""A Wyoming server seen from blocking engine code.

The wyoming package's AsyncClient does the protocol; this adds what the engines need: every
wait bounded (its timeouts default to waiting forever), and every failure the stage's own
typed error, one line naming the config key, the URI and what to do. A request opens one
connection, as Home Assistant does.
"""

from __future__ import annotations

import asyncio
import os
from typing import Awaitable, Callable

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info

from assistant.audio.format import pcm_to_float, to_int16
from assistant.net.loop import LoopThread, shared_loop

WIDTH = 2
"""Bytes per sample of the audio sent: 16-bit PCM, which every Wyoming server takes."""
SAMPLES_PER_CHUNK = 1024
"""Samples per audio-chunk event sent."""


def audio_chunk(samples: np.ndarray, rate: int, timestamp_ms: int | None = None) -> Event:
    """float32 mono samples as one 16-bit audio-chunk event."""
    return AudioChunk(rate=rate, width=WIDTH, channels=1, audio=to_int16(samples).tobytes(),
                      timestamp=timestamp_ms).event()


def audio_events(samples: np.ndarray, rate: int) -> list[Event]:
    """audio-start, audio-chunks of SAMPLES_PER_CHUNK, audio-stop: a whole clip."""
    events = [AudioStart(rate=rate, width=WIDTH, channels=1, timestamp=0).event()]
    for start in range(0, len(samples), SAMPLES_PER_CHUNK):
        events.append(audio_chunk(samples[start:start + SAMPLES_PER_CHUNK], rate, start * 1000 // rate))
    events.append(AudioStop(timestamp=len(samples) * 1000 // rate).event())
    return events


def chunk_samples(chunk: AudioChunk) -> np.ndarray:
    """An audio-chunk's PCM as float32 mono (channels averaged; a torn last frame dropped)."""
    frame = chunk.width * chunk.channels
    raw = chunk.audio[:len(chunk.audio) - len(chunk.audio) % frame]
    samples = pcm_to_float(raw, chunk.width, "Wyoming audio")
    if chunk.channels > 1:
        samples = samples.reshape(-1, chunk.channels).mean(axis=1)
    return np.ascontiguousarray(samples, dtype=np.float32)


def os_reason(exc: OSError) -> str:
    """An OSError in a few words: "Connection refused", "Address already in use"."""
    return os.strerror(exc.errno) if exc.errno else (str(exc) or type(exc).__name__)


class Connection:
    """One open connection; its coroutines run on the network loop."""

    def __init__(self, remote: "WyomingRemote") -> None:
        self.remote = remote
        self.client = AsyncClient.from_uri(remote.uri, connect_timeout=remote.connect_s,
                                           read_timeout=remote.read_s)

    async def open(self) -> "Connection":
        """Connect within the connect time limit."""
        r = self.remote
        try:
            await self.client.connect()
        except asyncio.TimeoutError:
            raise r.error(f"{r.where}: no connection within {r.connect_s:g} s (timeouts.connect_s); "
                          "check that the server is up and reachable") from None
        except OSError as exc:
            raise r.error(f"{r.where}: cannot connect ({os_reason(exc)}); start the Wyoming server "
                          f"or correct {r.key}") from None
        return self

    async def close(self) -> None:
        """Disconnect; a connection that is already broken closes quietly."""
        try:
            await self.client.disconnect()
        except (OSError, RuntimeError):
            pass

    async def send(self, *events: Event) -> None:
        """Write events in order."""
        try:
            for event in events:
                await self.client.write_event(event)
        except OSError as exc:
            raise self.remote.error(f"{self.remote.where}: the connection broke ({os_reason(exc)})") from None

    async def receive(self, *wanted) -> Event:
        """The next event of one of the ``wanted`` types (others are skipped)."""
        r = self.remote
        while True:
            try:
                event = await self.client.read_event()
            except asyncio.TimeoutError:
                raise r.error(f"{r.where}: no answer within {r.read_s:g} s") from None
            except OSError as exc:
                raise r.error(f"{r.where}: the connection broke ({os_reason(exc)})") from None
            if event is None:  # end of stream, or a line that is not Wyoming's JSON
                raise r.error(f"{r.where}: the server closed the connection before it answered")
            if Error.is_type(event.type):
                raise r.error(f"{r.where}: the server failed: {Error.from_event(event).text}")
            if any(kind.is_type(event.type) for kind in wanted):
                return event


class WyomingRemote:
    """Where a Wyoming server is, how long to wait for it, and the error its failures raise."""

    def __init__(self, uri: str, key: str, error: type[Exception], connect_s: float, read_s: float | None,
                 loop: LoopThread | None = None) -> None:
        self.uri, self.key, self.error = uri, key, error
        self.connect_s, self.read_s = connect_s, read_s
        self.loop = loop or shared_loop()
        self.where = f"{key} {uri}"
        """How messages name the server."""

    def run(self, coro: Awaitable):
        """Run a coroutine on the network loop and wait for it (from a worker thread)."""
        return self.loop.run(coro)

    def describe(self) -> Info:
        """What the server offers (its ``info`` answer to ``describe``)."""
        async def ask(conn: Connection) -> Info:
            await conn.send(Describe().event())
            return Info.from_event(await conn.receive(Info))

        return self.request(ask)

    def connect(self) -> Connection:
        """A connection the caller closes (``run(conn.close())``)."""
        return self.run(Connection(self).open())

    def request(self, work: Callable[[Connection], Awaitable]):
        """Connect, run ``work(connection)``, disconnect; its result."""
        async def session():
            conn = await Connection(self).open()
            try:
                return await work(conn)
            finally:
                await conn.close()

        return self.run(session())
