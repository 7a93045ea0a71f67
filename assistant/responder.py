"""Speaking a reply: LLM tokens -> sentences -> piper -> speaker, cancellable at any point.

The LLM and piper run in their own worker threads; this code runs on the event
loop and only moves text and audio between them. The first sentence is spoken
while the model is still writing the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field

import numpy as np

from .audio_format import resample
from .errors import LlmError, TtsError
from .sentences import SentenceSplitter
from .stage_pool import StagePool

log = logging.getLogger(__name__)

_END = object()


@dataclass
class SpokenReply:
    """What one reply said and how far it got."""

    text: str = ""
    """Everything the model (or intent) produced."""
    pieces: list[tuple[str, int]] = field(default_factory=list)
    """Each piece handed to the speaker with the speaker offset where its audio ends."""
    first_audio_at: float | None = None
    """Monotonic time the first reply sample reached the speaker."""
    token_times: list[float] = field(default_factory=list)
    """Monotonic time each LLM token arrived (for tokens/s)."""

    def tokens_per_s(self) -> float | None:
        """Generation speed from the first to the last token."""
        times = self.token_times
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 2 and times[-1] > times[0] else None

    def spoken(self, played_total: int) -> str:
        """The pieces whose audio was played to the end."""
        return " ".join(p for p, end in self.pieces if end <= played_total)


@dataclass
class Generation:
    """An LLM answer being generated in the LLM thread."""

    tokens: asyncio.Queue
    """(text, arrival time) pairs, then _END or an LlmError."""
    producer: asyncio.Future | None
    """The worker-thread job."""
    cancel: threading.Event
    """Set to stop generating at the next token."""
    deadline: float
    """Loop time by which the answer must be complete (llm.timeout_s)."""


class Responder:
    """Turns text or a chat into speech on the speaker."""

    def __init__(self, engines, speaker, events, timeouts, llm_timeout_s: float) -> None:
        self.engines = engines
        self.speaker = speaker
        self.events = events
        self.timeouts = timeouts
        self.llm_timeout_s = llm_timeout_s
        self.llm_pool = StagePool("llm", LlmError)
        self.tts_pool = StagePool("tts", TtsError)
        self.on_first_piece = None
        """Called on the loop when a reply's first audio is queued (the daemon turns to speaking)."""

    def close(self) -> None:
        """Let the worker threads end (a running native call finishes first)."""
        self.llm_pool.close()
        self.tts_pool.close()

    async def say(self, text: str, reply: SpokenReply) -> None:
        """Speak a fixed text (intents, timers), piece by piece."""
        reply.text = text
        splitter = SentenceSplitter()
        for piece in splitter.feed(text + " ") + splitter.flush():
            await self._speak_piece(piece, reply)

    def start(self, messages: list[dict]) -> Generation:
        """Begin generating the answer to ``messages`` (nothing is spoken yet)."""
        loop = asyncio.get_running_loop()
        gen = Generation(asyncio.Queue(), None, threading.Event(), loop.time() + self.llm_timeout_s)
        gen.producer = self.llm_pool.submit(self._generate, messages, gen.cancel, loop, gen.tokens)
        return gen

    async def answer(self, gen: Generation, reply: SpokenReply) -> None:
        """Speak a generation's answer sentence by sentence as its tokens arrive."""
        pieces: asyncio.Queue = asyncio.Queue()
        speaker_task = asyncio.create_task(self._speak_queue(pieces, reply))
        try:
            await self._split_tokens(gen.tokens, pieces, reply, gen.deadline)
            pieces.put_nowait(_END)
            await speaker_task
        finally:
            speaker_task.cancel()
            await self.stop(gen)

    async def stop(self, gen: Generation) -> None:
        """Cancel a generation and wait (briefly) for its thread to let go."""
        gen.cancel.set()
        try:  # a generation that ignores the cancel flag is stuck in native code
            await asyncio.wait_for(asyncio.shield(gen.producer), 1.0)
        except asyncio.TimeoutError:
            self.llm_pool.abandon()
        except (asyncio.CancelledError, LlmError):
            pass

    async def _split_tokens(self, tokens, pieces, reply: SpokenReply, deadline: float) -> None:
        splitter, text = SentenceSplitter(), []
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                token = await asyncio.wait_for(tokens.get(), max(remaining, 0.001))
            except asyncio.TimeoutError:
                if not text:  # not one token in the whole time limit: the model is stuck
                    raise LlmError(f"no reply within llm.timeout_s ({self.llm_timeout_s:g} s)") from None
                log.warning("reply cut off at llm.timeout_s (%g s)", self.llm_timeout_s)
                break
            if token is _END:
                break
            if isinstance(token, Exception):
                raise token
            piece_text, at = token
            text.append(piece_text)
            reply.token_times.append(at)
            reply.text = "".join(text)
            for piece in splitter.feed(piece_text):
                pieces.put_nowait(piece)
        for piece in splitter.flush():
            pieces.put_nowait(piece)

    def _generate(self, messages, cancel: threading.Event, loop, tokens: asyncio.Queue) -> None:
        """Worker thread: stream tokens to the loop until done or cancelled."""
        put = lambda item: loop.call_soon_threadsafe(tokens.put_nowait, item)  # noqa: E731
        try:
            with contextlib.closing(self.engines.llm.stream(messages)) as stream:
                for token in stream:
                    if cancel.is_set():
                        break
                    put((token.text, token.at))
        except LlmError as exc:
            put(exc)
        except RuntimeError:  # the loop closed while we were generating
            return
        with contextlib.suppress(RuntimeError):
            put(_END)

    async def _speak_queue(self, pieces: asyncio.Queue, reply: SpokenReply) -> None:
        while (piece := await pieces.get()) is not _END:
            await self._speak_piece(piece, reply)

    async def _speak_piece(self, piece: str, reply: SpokenReply) -> None:
        self.events.emit("reply", text=piece, part=len(reply.pieces))
        audio = await self.tts_pool.run(self.timeouts.tts_s, self._synthesize, piece)
        end = self.speaker.play(audio)
        reply.pieces.append((piece, end))
        if len(reply.pieces) == 1 and self.on_first_piece is not None:
            self.on_first_piece()

    def _synthesize(self, piece: str) -> np.ndarray:
        clip = self.engines.tts.synthesize(piece)
        return resample(clip, self.speaker.rate).samples
