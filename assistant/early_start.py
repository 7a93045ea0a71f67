"""Starting early: work begun while the end-of-question silence is waited out.

When the user goes quiet, whisper transcribes the question at once; if the transcript
reads as a finished sentence the question may end on a shorter silence, and the model
starts the answer (its first piece is even synthesized). If the user goes on, all of it
is thrown away; if not, the turn finds the transcript and the answer already under way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Callable

from .endpoint import sooner_silence
from .intents import match_intent
from .stage_pool import StagePool, forget


@dataclass
class EarlyStart:
    """Work begun when the silence started, used if the user does not go on."""

    speech_frames: int
    """Speech frames heard when it began; more since then means it is stale."""
    transcript: asyncio.Future
    """The transcript being made."""
    text: str | None = None
    """The transcript, once made."""
    confidence: float | None = None
    """The recognizer's probability of the transcript's closing . ? or ! (None: none, or not known)."""
    prepared: tuple | None = None
    """(Generation, past turns sent) of an LLM answer already begun."""

    def is_for(self, recorder) -> bool:
        """True while no speech has come since it began: it is still the whole question."""
        return recorder is not None and self.speech_frames == recorder.speech_frames


class EarlyStarts:
    """The early start of the question being recorded (at most one at a time)."""

    def __init__(self, daemon, stt, stt_pool: StagePool, generate: Callable, now) -> None:
        self.d = daemon
        self.stt = stt
        self.stt_pool = stt_pool
        self.generate = generate
        """generate(question, followup, speculate=True) -> (Generation, past turns sent)."""
        self.now = now
        self.current: EarlyStart | None = None
        self.stopping: set[asyncio.Task] = set()
        """Answers begun early being stopped in the background (kept so none is collected mid-way)."""

    def begin(self, recorder) -> None:
        """The silence began: transcribe the question as it is now."""
        self.drop()
        job = self.stt_pool.submit(self.stt.transcribe_ending, recorder.audio())
        early = self.current = EarlyStart(recorder.speech_frames, job)
        job.add_done_callback(lambda f: self._transcript_done(early, f))

    def take(self, recorder) -> EarlyStart | None:
        """The question is over: its early start if no speech came after it began."""
        early = self.current
        if early is not None and early.is_for(recorder):
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
            stop = self.d.responder.stop(early.prepared[0], finish_prompt)
            task = asyncio.get_running_loop().create_task(stop)
            self.stopping.add(task)
            task.add_done_callback(self.stopping.discard)

    def _transcript_done(self, early: EarlyStart, job) -> None:
        if self.current is not early or job.cancelled() or job.exception() is not None:
            return
        text, early.confidence = job.result()
        early.text = text.strip()
        s = self.d.settings
        self._end_sooner_if_complete(early)
        if early.text and match_intent(early.text, s.intents, self.now, strip=s.wake.phrases) is None:
            early.prepared = self.generate(early.text, self.d.listening_followup, speculate=True)

    def _end_sooner_if_complete(self, early: EarlyStart) -> None:
        """A question that is already a finished sentence needs less silence to end."""
        recorder, endpoint = self.d.recorder, self.d.settings.endpoint
        if not early.is_for(recorder) or self.d.listening_held:
            return
        silence_s = sooner_silence(early.text, early.confidence, endpoint)
        if silence_s is not None:
            recorder.end_sooner(silence_s, early.speech_frames)
            confidence = None if early.confidence is None else round(early.confidence, 3)
            self.d.events.emit("sentence_complete", silence_s=silence_s, confidence=confidence)
