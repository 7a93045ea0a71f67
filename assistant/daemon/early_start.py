"""Starting early: work begun while the end-of-question silence is waited out.

When the user goes quiet, the recognizer transcribes the question at once; if the transcript
reads as a finished sentence the question may end on a shorter silence, and the model
starts the answer (its first piece is even synthesized). If the user goes on, all of it
is thrown away; if not, the turn finds the transcript and the answer already under way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Callable

from assistant.core.events import EventLog
from assistant.core.workers import StagePool, forget
from assistant.dialog.ending import sooner_silence
from assistant.dialog.intents import match_intent


@dataclass
class EarlyStart:
    """Work begun when the silence started, used if the user does not go on."""

    question: object
    """The Question being recorded when it began."""
    speech_frames: int
    """Speech frames heard when it began; more since then means it is stale."""
    transcript: asyncio.Future
    """The Transcript being made."""
    text: str | None = None
    """The transcript's text, once made."""
    confidence: float | None = None
    """The recognizer's probability of the transcript's closing . ? or ! (None: none, or not known)."""
    prepared: tuple | None = None
    """(Generation, past turns sent) of an LLM answer already begun."""

    def is_current(self) -> bool:
        """True while no speech has come since it began: it is still the whole question."""
        return self.speech_frames == self.question.recorder.speech_frames


class EarlyStarts:
    """The early start of the question being recorded (at most one at a time)."""

    def __init__(self, stt, stt_pool: StagePool, responder, events: EventLog, settings,
                 generate: Callable, now, strip: tuple[str, ...] = ()) -> None:
        self.stt, self.stt_pool, self.responder, self.events = stt, stt_pool, responder, events
        self.strip = strip
        """The wake phrases the detector listens for: dropped from the start of a question."""
        self.settings = settings
        """The daemon's settings (a reload replaces them)."""
        self.generate = generate
        """generate(question, followup, speculate=True) -> (Generation, past turns sent)."""
        self.now = now
        self.current: EarlyStart | None = None
        self.stopping: set[asyncio.Task] = set()
        """Answers begun early being stopped in the background (kept so none is collected mid-way)."""

    def begin(self, question) -> None:
        """The silence began: transcribe the question as it is now."""
        self.drop()
        recorder = question.recorder
        job = self.stt_pool.submit(self.stt.transcript, recorder.audio())
        early = self.current = EarlyStart(question, recorder.speech_frames, job)
        job.add_done_callback(lambda f: self._transcript_done(early, f))

    def take(self, question) -> EarlyStart | None:
        """The question is over: its early start if no speech came after it began."""
        early = self.current
        if early is not None and early.question is question and early.is_current():
            self.current = None
            return early
        self.drop()
        return None

    def drop(self) -> None:
        """The user went on (or listening ended): what was begun is stale."""
        early, self.current = self.current, None
        if early is not None:
            early.transcript.cancel()  # still queued: never runs; running: its result is ignored
            forget(early.transcript)
            # The question goes on from the early transcript: the prompt read so far is the
            # start of the next one (a head start that matters most on slow models).
            self.stop_answer(early, finish_prompt=True)

    def stop_answer(self, early: EarlyStart, finish_prompt: bool = False) -> None:
        """Stop the answer begun on an early transcript (harmless if it was already spoken)."""
        if early.prepared is not None:
            task = asyncio.get_running_loop().create_task(self.responder.stop(early.prepared[0], finish_prompt))
            self.stopping.add(task)
            task.add_done_callback(self.stopping.discard)

    def _transcript_done(self, early: EarlyStart, job) -> None:
        if self.current is not early or job.cancelled() or job.exception() is not None:
            return
        heard = job.result()
        early.text, early.confidence = heard.text, heard.closing_confidence
        s = self.settings
        self._end_sooner_if_complete(early)
        if early.text and match_intent(early.text, s.intents, self.now, strip=self.strip) is None:
            early.prepared = self.generate(early.text, early.question.followup, speculate=True)

    def _end_sooner_if_complete(self, early: EarlyStart) -> None:
        """A question that is already a finished sentence needs less silence to end."""
        if not early.is_current() or early.question.held:
            return
        silence_s = sooner_silence(early.text, early.confidence, self.settings.endpoint)
        if silence_s is not None:
            early.question.recorder.end_sooner(silence_s, early.speech_frames)
            confidence = None if early.confidence is None else round(early.confidence, 3)
            self.events.emit("sentence_complete", silence_s=silence_s, confidence=confidence)
