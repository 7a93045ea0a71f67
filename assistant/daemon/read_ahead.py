"""Reading a question ahead: the model reads the start of a long question while it is spoken.

Without this, the model reads the whole question only after the recognizer's last pass,
so the wait grows with the question: on a Pi with a 3B model, or Qwen3-30B-A3B at about
11 prompt tokens/s, every spoken second adds about a second. Every ``read_ahead_s`` of
speech, the question so far is transcribed and the model reads it (system prompt,
history, the stable words) into its cache. The real prompt begins with the same tokens,
and llama-cpp-python skips what it has already read. A pass that turns out wrong costs
only the tokens after the first word that changed.
"""

from __future__ import annotations

import asyncio
import functools
import threading

from assistant.audio.format import ENGINE_RATE
from assistant.audio.vad import FRAME_SAMPLES
from assistant.core.workers import StagePool

MIN_WORDS = 2
"""Fewer stable words than this are not worth a pass of the model."""


def stable_start(partial: str) -> str:
    """The words of a transcript of speech cut mid-flow that later audio will not change:
    all but the last, which may have been cut in the middle."""
    words = partial.split()[:-1]
    return " ".join(words) if len(words) >= MIN_WORDS else ""


class ReadAhead:
    """Transcribes the question so far at intervals and has the model read it.

    A whole pass (transcript, then the model's reading) runs on the recognizer's thread,
    so the transcript of the question's end queues behind it instead of running beside
    the model: whisper's and llama.cpp's threads spinning on the same two cores slowed
    the end-of-question transcript by 0.7 s when they overlapped.
    """

    def __init__(self, every_s: float, stt, stt_pool: StagePool, llm, events) -> None:
        self.configure(every_s)
        self.stt, self.stt_pool, self.llm, self.events = stt, stt_pool, llm, events
        self.recorder = None
        self.next_at = 0
        """Speech samples heard when the next pass is due."""
        self.read = ""
        """The text the model last read."""
        self.job: asyncio.Future | None = None
        """The pass queued or running; one at a time."""
        self.cancel = threading.Event()
        """Stops that pass's reading."""

    def configure(self, every_s: float) -> None:
        """Set the speech between two passes (0: off); a reloaded config."""
        self.every = int(every_s * ENGINE_RATE)

    def on_block(self, recorder, chat_now) -> None:
        """A block of the question arrived: start a pass if one is due and none is running.

        ``chat_now()`` gives the chat the model would get now, its last message the question.
        """
        if not self.every or not recorder.started or recorder.silent_samples:
            return  # off, nobody speaking yet, or a pause (the early transcript's turn)
        if recorder is not self.recorder:
            self.recorder, self.next_at, self.read = recorder, self.every, ""
        spoken = recorder.speech_frames * FRAME_SAMPLES
        if spoken < self.next_at or (self.job is not None and not self.job.done()):
            return
        self.next_at = spoken + self.every
        self.cancel = threading.Event()
        job = self.job = self.stt_pool.submit(self._pass, recorder.audio(), chat_now(), self.read, self.cancel,
                                              asyncio.get_running_loop())
        job.add_done_callback(lambda done: self._passed(recorder, done))

    def _pass(self, audio, chat: list[dict], last: str, cancel: threading.Event, loop) -> str:
        """Recognizer's thread: the stable words of ``audio``, read by the model if new."""
        text = stable_start(self.stt.transcribe(audio))
        if text and text != last and not cancel.is_set():
            loop.call_soon_threadsafe(functools.partial(self.events.emit, "read_ahead", text=text))
            messages = chat[:-1] + [{**chat[-1], "content": text}]
            self.llm.call(self.llm.prefill, messages, cancel)
        return text or last

    def _passed(self, recorder, job: asyncio.Future) -> None:
        if job.cancelled() or job.exception() is not None:  # the real pass at the end reports errors
            return
        if recorder is self.recorder:
            self.read = job.result()

    def question_over(self) -> None:
        """Listening ended: a pass not begun is not needed; a running one finishes, since
        the real prompt begins with what it reads."""
        self.recorder = None
        if self.job is not None:
            self.job.cancel()

    def stop(self) -> None:
        """The turn is cancelled: stop the model's reading at once."""
        self.question_over()
        self.llm.stop(self.cancel)
