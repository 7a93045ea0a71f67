"""Speaking a reply: LLM tokens -> sentences -> piper -> speaker, cancellable at any point.

The LLM and piper run in their own worker threads; this code runs on the event
loop and only moves text and audio between them. The model's thread cuts its tokens
into pieces itself and wakes the loop once per piece, not once per token: every
wake-up takes a core from the model in the middle of a token. The first sentence is
spoken while the model is still writing the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import numpy as np

from assistant.audio.format import resample, trim_leading_silence
from assistant.config.settings import FIRST_PIECE_CHARS
from assistant.core.cpu_turns import CpuTurns
from assistant.core.errors import LlmError, TtsError
from assistant.core.workers import StagePool, forget, wait_within
from assistant.daemon.reply import Generation, SpokenReply, Written
from assistant.dialog.sentences import SentenceSplitter, pieces_as_written

log = logging.getLogger(__name__)

_END = object()
"""Marks the end of a generation's token queue."""


async def _next_token(tokens: asyncio.Queue, timeout_s: float):
    """The next item of ``tokens``; asyncio.TimeoutError after ``timeout_s``."""
    getter = asyncio.ensure_future(tokens.get())
    try:
        if not await wait_within(getter, timeout_s):
            raise asyncio.TimeoutError
        return getter.result()
    finally:
        getter.cancel()  # no effect once done; otherwise no orphan getter takes a later token


class Responder:
    """Turns text or a chat into speech on the speaker."""

    def __init__(self, engines, speaker, events, timeouts, llm_timeout_s: float,
                 first_piece_chars: int = FIRST_PIECE_CHARS) -> None:
        self.engines = engines
        self.speaker = speaker
        self.events = events
        self.timeouts = timeouts
        self.llm_timeout_s = llm_timeout_s
        self.first_piece_chars = first_piece_chars
        self.tts_pool = StagePool("tts", TtsError)
        self.cpu = CpuTurns()
        self.on_first_piece = None
        """Called on the loop when a reply's first audio is queued (the daemon turns to speaking)."""

    def configure(self, timeouts, llm_timeout_s: float) -> None:
        """Use a reloaded config's time limits."""
        self.timeouts, self.llm_timeout_s = timeouts, llm_timeout_s

    def close(self) -> None:
        """Let the worker threads end (a running native call finishes first)."""
        self.tts_pool.close()

    async def say(self, text: str, reply: SpokenReply) -> None:
        """Speak a fixed text (intents, timers), piece by piece."""
        reply.text = text
        splitter = self._splitter()
        for piece in splitter.feed(text + " ") + splitter.flush():
            await self._speak_piece(piece, reply)

    def start(self, messages: list[dict], speculate: bool = False) -> Generation:
        """Begin generating the answer to ``messages``; nothing is played before ``answer``.

        With ``speculate`` the first piece is synthesized as soon as it is written, so
        ``answer`` can play it at once when the end of the question is confirmed.
        """
        loop = asyncio.get_running_loop()
        gen = Generation(asyncio.Queue(), None, threading.Event(), loop.time() + self.llm_timeout_s)
        # The whole generation runs on the model's thread: no hand-over between two tokens.
        gen.producer = asyncio.wrap_future(
            self.engines.llm.submit(self._generate, messages, gen.cancel, loop, gen.tokens))
        if speculate:
            gen.warm = asyncio.create_task(self._warm_first_piece(gen), name="warm-first-piece")
        return gen

    async def _warm_first_piece(self, gen: Generation) -> None:
        while True:
            item = await gen.tokens.get()
            gen.seen.append(item)
            if not isinstance(item, Written):
                return
            if item.pieces:
                gen.ready[item.pieces[0]] = asyncio.create_task(self._synthesize_piece(item.pieces[0]))
                return

    async def answer(self, gen: Generation, reply: SpokenReply) -> None:
        """Speak a generation's answer sentence by sentence as its tokens arrive."""
        if gen.warm is not None:  # a token it is waiting for stays in the queue
            gen.warm.cancel()
            await asyncio.gather(gen.warm, return_exceptions=True)
        pieces: asyncio.Queue = asyncio.Queue()
        speaker_task = asyncio.create_task(self._speak_queue(pieces, reply, gen.ready))
        try:
            await self._split_tokens(gen, pieces, reply)
            pieces.put_nowait(_END)
            await speaker_task
        finally:
            speaker_task.cancel()
            await self.stop(gen)

    async def stop(self, gen: Generation, finish_prompt: bool = False) -> None:
        """Cancel a generation and wait (briefly) for its thread to let go.

        At once, even in the middle of reading a long prompt; or, with ``finish_prompt``,
        once the prompt is read, for a question the user went on with: the next prompt
        begins with this one, and llama.cpp's cache lets it skip what was read.
        """
        if finish_prompt:
            gen.cancel.set()  # the model reads the prompt, then stops at the first token
        else:
            self.engines.llm.stop(gen.cancel)
        for task in [gen.warm, *gen.ready.values()]:
            if task is not None:
                task.cancel()
                forget(task)
        if not await wait_within(gen.producer, 1.0):  # in a native call that is not a decode
            log.warning("llm: a stopped answer is still running; the next one waits for it")
            forget(gen.producer)
        elif not gen.producer.cancelled():
            gen.producer.result()  # _generate sends its errors as tokens: anything raised here is a bug

    async def _split_tokens(self, gen: Generation, pieces, reply: SpokenReply) -> None:
        text = []
        while True:
            remaining = max(gen.deadline - asyncio.get_running_loop().time(), 0.001)
            try:
                item = gen.seen.pop(0) if gen.seen else await _next_token(gen.tokens, remaining)
            except asyncio.TimeoutError:
                if not text:  # not one piece in the whole time limit: the model is stuck
                    raise LlmError(f"no reply within llm.timeout_s ({self.llm_timeout_s:g} s)") from None
                log.warning("reply cut off at llm.timeout_s (%g s)", self.llm_timeout_s)
                return
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            for piece_text, at, paused in item.tokens:
                text.append(piece_text)
                reply.token_times.append(at)
                reply.token_pauses.append(paused)
            reply.text = "".join(text)
            for piece in item.pieces:
                pieces.put_nowait(piece)

    def _generate(self, messages, cancel: threading.Event, loop, tokens: asyncio.Queue) -> None:
        """Model thread: write the reply, handing each completed piece to the loop."""
        put = lambda item: loop.call_soon_threadsafe(tokens.put_nowait, item)  # noqa: E731
        written = []
        try:
            try:
                with contextlib.closing(self.engines.llm.stream(messages, cancel=cancel)) as stream:
                    paced = self._paced(stream, cancel)
                    for item, pieces in pieces_as_written(paced, self._splitter(), text=lambda i: i[0].text):
                        if item is not None:
                            token, paused = item
                            written.append((token.text, token.at, paused))
                        elif cancel.is_set():
                            pieces = []  # a stopped answer's unfinished sentence is not spoken
                        if pieces or item is None:
                            put(Written(tuple(written), tuple(pieces)))
                            written = []
            except LlmError as exc:
                put(Written(tuple(written), ()))
                put(exc)
                return
            put(_END)
        except RuntimeError:  # the loop closed while we were generating
            return

    def _paced(self, stream, cancel: threading.Event):
        """Model thread: (token, seconds paused for synthesis so far), each token computed in
        the model's turn on the CPU, until the stream ends or ``cancel`` is set."""
        paused, llm = 0.0, self.engines.llm
        while True:
            # Paused while piper speaks; a model on a server has no turn to take here.
            turn = self.cpu.computing(cancel) if llm.shares_cpu else contextlib.nullcontext(0.0)
            with turn as waited:
                token = next(stream, None)
            paused += waited
            if token is None or cancel.is_set():
                return
            yield token, paused

    def _splitter(self) -> SentenceSplitter:
        return SentenceSplitter(first_max_chars=self.first_piece_chars)

    async def _speak_queue(self, pieces: asyncio.Queue, reply: SpokenReply, ready: dict) -> None:
        while (piece := await pieces.get()) is not _END:
            await self._speak_piece(piece, reply, ready.pop(piece, None))

    async def _speak_piece(self, piece: str, reply: SpokenReply, ready: asyncio.Task | None = None) -> None:
        self.events.emit("reply", text=piece, part=len(reply.pieces))
        audio = await (ready or self._synthesize_piece(piece))
        end = self.speaker.play(audio)
        reply.pieces.append((piece, end))
        if len(reply.pieces) == 1 and self.on_first_piece is not None:
            self.on_first_piece()

    async def _synthesize_piece(self, piece: str) -> np.ndarray:
        self.cpu.hold()  # released here on the loop, even when the synthesis is abandoned
        try:
            return await self.tts_pool.run(self.timeouts.tts_s, self._synthesize, piece)
        finally:
            self.cpu.release()

    def _synthesize(self, piece: str) -> np.ndarray:
        self.cpu.wait_parked()  # the model finishes the token it is on, then waits for us
        clip = resample(self.engines.tts.synthesize(piece), self.speaker.rate)
        return trim_leading_silence(clip.samples, clip.rate)  # heard sooner; piper's tail keeps the pause
