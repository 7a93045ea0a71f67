"""Listening to a question: its audio, its end, and the work begun before it ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from assistant.audio.endpoint import Outcome, QuestionRecorder
from assistant.audio.format import ENGINE_RATE
from assistant.core.events import EventLog
from assistant.core.workers import StagePool
from assistant.daemon.early_start import EarlyStart, EarlyStarts
from assistant.daemon.read_ahead import ReadAhead


@dataclass
class Question:
    """The question being recorded."""

    recorder: QuestionRecorder
    """Its audio so far and when it ends."""
    followup: bool
    """Asked without a wake word, right after an answer."""
    held: bool
    """Held to talk: it ends when the button is released, not on a pause."""


@dataclass(frozen=True)
class Heard:
    """A question that is over and was spoken: what the turn starts from."""

    audio: np.ndarray
    """The question's audio, trailing silence trimmed to a little."""
    followup: bool
    """Asked without a wake word, right after an answer."""
    early: EarlyStart | None
    """The transcript (and answer) begun when the silence started, if still valid."""
    speech_end_at: float
    """Monotonic time of the latest block that still held speech."""


class Listening:
    """Records at most one question at a time and says when and how it ended."""

    def __init__(self, settings, vad, audio_pool: StagePool, events: EventLog, early: EarlyStarts,
                 read_ahead: ReadAhead, chat_now: Callable[[bool], list[dict]]) -> None:
        self.settings = settings
        """The daemon's settings (a reload replaces them)."""
        self.vad, self.audio_pool, self.events = vad, audio_pool, events
        self.early, self.read_ahead, self.chat_now = early, read_ahead, chat_now
        self.current: Question | None = None
        self.speech_end_at = 0.0

    async def begin(self, preroll: np.ndarray | None, followup: bool, held: bool) -> Question:
        """Start recording a question (``preroll``: audio heard since the wake phrase ended)."""
        timeout = self.settings.conversation.followup_window_s if followup else None
        recorder = await self.audio_pool.submit(
            lambda: QuestionRecorder(self.settings.endpoint, self.vad, timeout, preroll))
        self.current = Question(recorder, followup, held)
        return self.current

    def waiting(self) -> bool:
        """True while listening but nobody has begun to speak."""
        return self.current is not None and not self.current.recorder.started

    def drop(self) -> None:
        """Stop listening without a turn (the microphone was lost, a timer goes first)."""
        self.current = None
        self.early.drop()
        self.read_ahead.question_over()

    async def feed(self, block: np.ndarray, at: float) -> Outcome | None:
        """Hand one 16 kHz block to the question; its outcome when that ended it."""
        question = self.current
        progress = await self.audio_pool.submit(question.recorder.feed, block)
        if question is not self.current:  # dropped while the block was analysed
            return None
        recorder = question.recorder
        if recorder.started and recorder.silent_samples == 0:
            self.speech_end_at = at  # the latest block that still held speech
        if progress.speech_resumed:
            self.early.drop()  # the user went on: that transcript is stale
        if progress.outcome is None:
            self.read_ahead.on_block(recorder, lambda: self.chat_now(question.followup))
        if progress.silence_began and self.settings.endpoint.early_transcript:
            self.early.begin(question)
        return progress.outcome

    def finish(self, outcome: Outcome) -> Heard | None:
        """Listening is over: the question heard, or None when nobody spoke."""
        question, self.current = self.current, None
        self.read_ahead.question_over()
        if question is None:
            return None
        recorder = question.recorder
        self.events.emit("question_end", outcome=outcome.value,
                         silence_s=round(recorder.silent_samples / ENGINE_RATE, 3),
                         needed_s=recorder.silence_setting())
        if outcome is Outcome.NO_SPEECH or not recorder.started:
            self.early.drop()
            self.events.emit("no_speech")
            return None
        if outcome is Outcome.TOO_LONG:
            self.events.emit("question_cut", seconds=round(recorder.samples / ENGINE_RATE, 1))
        return Heard(recorder.audio(), question.followup, self.early.take(question), self.speech_end_at)
