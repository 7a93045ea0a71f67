"""Wake word on a Wyoming server (wake.engine: wyoming), e.g. another assistant's `assistant serve`.

The microphone's audio streams to the server without pause (detect, audio-start, then an
audio-chunk per block); its detections come back on the same connection and are handed out
by ``accept``. Chunk timestamps count milliseconds since the connection began, so a detection
says where in the fed audio the phrase ended. A server that goes away is reported once through
``on_error``; the daemon's supervisor then re-opens it (``close``, ``start``) with back-off,
as it does a pulled microphone.
"""

from __future__ import annotations

import asyncio
import logging
import queue
from typing import Callable, Optional

import numpy as np
from wyoming.audio import AudioStart, AudioStop
from wyoming.info import Info
from wyoming.wake import Detect, Detection, NotDetected

from assistant.audio.format import ENGINE_RATE
from assistant.config.settings import WakeSettings
from assistant.core.errors import WakeError
from assistant.net.wyoming import WIDTH, Connection, WyomingRemote, audio_chunk
from assistant.wake.base import Refractory, WakeHit
from assistant.wake.phrases import check_phrases, normalise

log = logging.getLogger(__name__)

MAX_BACKLOG_S = 5.0
"""Audio not yet taken by the server beyond which it counts as gone (it stopped reading)."""


def model_names(info: Info, phrases: tuple[str, ...]) -> Optional[list[str]]:
    """The server's wake models that say one of ``phrases``; None (its own choice) when none does."""
    models = [m for program in info.wake for m in program.models]
    if not models:
        raise WakeError("wake.wyoming_uri: the server offers no wake word; point it at one that does")
    chosen = [m.name for m in models if {normalise(m.phrase or ""), normalise(m.name)} & set(phrases)]
    if not chosen:
        log.warning("wake.phrases: the server has no model for %s; it listens for its own (%s)",
                    ", ".join(phrases), ", ".join(m.phrase or m.name for m in models))
    return chosen or None


class _Stream:
    """One detection session, on the network loop: a writer and a reader task on one connection."""

    def __init__(self, conn: Connection, base: int, hits: queue.SimpleQueue, lost: Callable[[str], None]) -> None:
        self.conn, self.base, self.hits, self.lost = conn, base, hits, lost
        """``base``: the fed-sample count when the connection began (timestamp 0)."""
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.backlog = 0
        self.dead = False
        self.tasks: list[asyncio.Task] = []
        self.names: Optional[list[str]] = None
        """The server's models asked for (None: its own choice)."""

    def opening(self) -> list:
        """detect and audio-start: what begins a detection."""
        return [Detect(names=self.names).event(), AudioStart(rate=ENGINE_RATE, width=WIDTH, channels=1).event()]

    async def begin(self, names: Optional[list[str]]) -> None:
        self.names = names
        await self.conn.send(*self.opening())
        self.tasks = [asyncio.create_task(self._write(), name="wake-send"),
                      asyncio.create_task(self._read(), name="wake-receive")]

    def push(self, event, samples: int) -> None:
        """Queue an event (``samples``: audio in it) unless the server has fallen too far behind."""
        if self.dead:
            return
        if self.backlog > MAX_BACKLOG_S * ENGINE_RATE:
            self.fail(f"{self.conn.remote.where}: the server stopped taking audio "
                      f"({MAX_BACKLOG_S:g} s behind)")
            return
        self.backlog += samples
        self.outbox.put_nowait((event, samples))

    async def _write(self) -> None:
        try:
            while True:
                event, samples = await self.outbox.get()
                await self.conn.send(event)
                self.backlog -= samples
        except WakeError as exc:
            self.fail(str(exc))

    async def _read(self) -> None:
        try:
            while True:
                event = await self.conn.receive(Detection, NotDetected)
                if Detection.is_type(event.type):
                    self.hits.put(Detection.from_event(event))
        except WakeError as exc:
            self.fail(str(exc))

    def fail(self, message: str) -> None:
        """The server is gone: stop both tasks, close, report once."""
        if self.dead:
            return
        self.dead = True
        asyncio.get_running_loop().create_task(self.stop())
        self.lost(message)

    async def stop(self) -> None:
        self.dead = True
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.gather(*[t for t in self.tasks if t is not asyncio.current_task()], return_exceptions=True)
        await self.conn.close()


class WyomingWakeDetector:
    """Streams 16 kHz audio to a Wyoming wake-word server and reports its detections."""

    name = "wyoming"

    def __init__(self, uri: str, settings: WakeSettings, connect_s: float, loop=None) -> None:
        self.remote = WyomingRemote(uri, "wake.wyoming_uri", WakeError, connect_s, None, loop)
        self.phrases = check_phrases(settings.phrases)
        self._refractory = Refractory(settings.refractory_s)
        self._hits: queue.SimpleQueue = queue.SimpleQueue()
        self._stream: Optional[_Stream] = None
        self._fresh_from = 0  # detections ending before this sample are from before a reset
        self.samples_fed = 0
        """Samples accepted since creation."""
        self.on_error: Optional[Callable[[str], None]] = None
        """Called once (from the network thread) when the server goes away."""

    def start(self) -> None:
        """Connect and begin detecting; WakeError when the server cannot be reached."""
        self.close()
        names = model_names(self.remote.describe(), self.phrases)
        conn = self.remote.connect()
        stream = _Stream(conn, self.samples_fed, self._hits, self._lost)
        try:
            self.remote.run(stream.begin(names))
        except WakeError:
            self.remote.run(conn.close())
            raise
        self._stream = stream
        self._fresh_from = self.samples_fed

    def close(self) -> None:
        """Stop detecting and disconnect."""
        stream, self._stream = self._stream, None
        if stream is not None:
            self.remote.run(stream.stop())

    def _lost(self, message: str) -> None:
        if self.on_error is not None:
            self.on_error(message)
        else:
            log.error("%s", message)

    def accept(self, block: np.ndarray) -> Optional[WakeHit]:
        """Send the block; a hit when the server reported one (None while it is unreachable)."""
        stream, at = self._stream, self.samples_fed
        self.samples_fed += len(block)
        if stream is None or stream.dead:
            return None
        chunk = audio_chunk(np.asarray(block, dtype=np.float32), ENGINE_RATE, (at - stream.base) * 1000 // ENGINE_RATE)
        self.remote.loop.call(stream.push, chunk, len(block))
        hit = None
        while not self._hits.empty():
            found = self._hit(self._hits.get_nowait(), stream)
            hit = hit or (self._refractory.admit(found) if found else None)
        return hit

    def _hit(self, detection: Detection, stream: _Stream) -> Optional[WakeHit]:
        end = self.samples_fed
        if detection.timestamp is not None:
            end = min(stream.base + int(detection.timestamp) * ENGINE_RATE // 1000, end)
        if end < self._fresh_from:
            return None  # heard before the daemon last reset the detector
        return WakeHit(normalise(detection.name or self.phrases[0]), 1.0, self.name, end)

    def reset(self) -> None:
        """Start the server's detection afresh (audio-stop, detect, audio-start); forget hits so far."""
        self._refractory.clear()
        self._fresh_from = self.samples_fed
        while not self._hits.empty():
            self._hits.get_nowait()
        stream = self._stream
        if stream is not None and not stream.dead:
            for event in (AudioStop().event(), *stream.opening()):
                self.remote.loop.call(stream.push, event, 0)
